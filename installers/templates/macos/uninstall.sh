#!/bin/sh
# Remove PostureWatch from this Mac (run as root: sudo @PREFIX@/uninstall.sh).
# Users' own settings and data (~/Library/Application Support/posturewatch)
# are kept; delete them by hand if wanted.
set -e
uid=$(stat -f %u /dev/console 2>/dev/null || echo 0)
if [ "$uid" != "0" ]; then
    launchctl bootout "gui/$uid/@LABEL@" 2>/dev/null || true
fi
rm -f "@AGENT@" /usr/local/bin/posturewatch
rm -rf "@POLICY_DIR@" "@PREFIX@"
pkgutil --forget "@IDENTIFIER@" >/dev/null 2>&1 || true
echo "PostureWatch removed."
