"""Start PostureWatch from the packages next to this file (macOS .pkg layout)."""

import os
import site
import sys

sys.dont_write_bytecode = True  # the payload is compiled at build time; /Library is read-only
PKGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pkgs")
sys.path.insert(0, PKGS)
site.addsitedir(PKGS)  # already on the path: this only reads its .pth files

from posturewatch.cli import main  # noqa: E402

main()
