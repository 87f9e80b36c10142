"""Installer builders for IT: ``python installers/build.py --policy FILE --target TARGET``.

Not part of the ``posturewatch`` distribution; see installers/README.md.
"""
