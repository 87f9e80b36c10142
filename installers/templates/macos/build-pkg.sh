#!/bin/sh
# Build the PostureWatch .pkg on a Mac (Xcode command line tools: pkgbuild,
# productbuild). Run from this folder:  ./build-pkg.sh
# Optional: PKG_SIGN_IDENTITY="Developer ID Installer: Example Corp (TEAMID)"
# signs the product (then notarize it with xcrun notarytool before deploying).
set -eu
cd "$(dirname "$0")"
# pkgbuild keeps the payload's modes; make them what macOS expects.
find payload -type d -exec chmod 755 {} +
find payload -type f -exec chmod 644 {} +
chmod 755 "payload@PREFIX@/bin/posturewatch" "payload@PREFIX@/uninstall.sh" scripts/preinstall scripts/postinstall
pkgbuild --root payload --scripts scripts --identifier "@IDENTIFIER@" --version "@VERSION@" \
    --install-location / --ownership recommended "@COMPONENT@"
if [ -n "${PKG_SIGN_IDENTITY:-}" ]; then
    productbuild --distribution distribution.xml --package-path . \
        --sign "$PKG_SIGN_IDENTITY" "@PRODUCT@"
else
    productbuild --distribution distribution.xml --package-path . "@PRODUCT@"
fi
rm -f "@COMPONENT@"
echo "built $(pwd)/@PRODUCT@"
