"""The Windows ``.msi``: the payload of installers/windows.py, per machine, built with wixl.

The WiX source is generated here (one component per file, GUIDs derived
from the file's path so they stay the same from build to build, as the
component rules want) and compiled by Debian's ``wixl`` (package wixl,
msitools' WiX subset).

- per machine: ``InstallScope="perMachine"``, into ``[ProgramFiles64Folder]PostureWatch``;
- the IT policy: ``[CommonAppDataFolder]PostureWatch\\policy.toml``
  (``%ProgramData%``);
- the tray at every user's login: the ``HKLM\\...\\Run`` value ``PostureWatch``;
- ``posturewatch`` from the Run dialog and ``start posturewatch``: an
  ``App Paths`` entry (wixl cannot edit the system PATH safely; the full
  path ``C:\\Program Files\\PostureWatch\\bin\\posturewatch.exe`` always works);
- silent: ``msiexec /i PostureWatch-X.msi /qn``, ``msiexec /x ... /qn``;
- upgrades: the ``UpgradeCode`` never changes and ``MajorUpgrade`` removes
  the older version first (same version allowed, so a rebuilt policy can be
  pushed again); users' settings and data under ``%LOCALAPPDATA%`` are never
  part of the package, so upgrades and uninstalls keep them;
- a deferred custom action ends a running PostureWatch started from the
  install folder before files are replaced or removed.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import uuid
from pathlib import Path, PureWindowsPath
from xml.sax.saxutils import quoteattr

from installers import windows
from installers.spec import APP_NAME, BuildSpec
from installers.tools import BuildError, log, require, run

# Never change these: Windows Installer recognises every PostureWatch MSI,
# old and new, by the upgrade code, and each file's component by its GUID.
UPGRADE_CODE = "{6F0E7C2B-3C1A-4F4E-9B7D-5B1E2A7C9D40}"
_NAMESPACE = uuid.UUID("0b9c5c8e-1f0e-4e39-9a53-4a1c8f0d7e21")

# Layout files that do not go into the MSI: the NSIS script and its helper
# (the MSI does not edit PATH), and nothing of the build itself.
_NOT_INSTALLED = frozenset({"installer.nsi", "_system_path.py", "policy.toml"})

_STOP_RUNNING = (
    'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command '
    '"Get-Process python,pythonw -ErrorAction SilentlyContinue | '
    "Where-Object Path -like '[INSTALLDIR]*' | Stop-Process -Force\""
)  # no braces: in an MSI formatted string {...} is a conditional group


def msi_version(version: str) -> str:
    """The MSI ``ProductVersion``: up to four numbers, the first three compared on upgrade.

    ``0.1.0`` -> ``0.1.0``; ``0.1.0-2`` -> ``0.1.0.2``. Raises :class:`BuildError`
    for other forms or numbers out of range (255.255.65535.65535).
    """
    match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)(?:[.-](\d+))?", version)
    if match is None:
        raise BuildError(f"--version {version!r} cannot be an MSI version; use N.N.N or N.N.N-N")
    numbers = [int(g) for g in match.groups() if g is not None]
    limits = (255, 255, 65535, 65535)
    if any(n > limit for n, limit in zip(numbers, limits, strict=False)):
        raise BuildError(f"--version {version!r}: MSI versions stop at 255.255.65535.65535")
    return ".".join(str(n) for n in numbers)


def _guid(key: str) -> str:
    return "{" + str(uuid.uuid5(_NAMESPACE, key)).upper() + "}"


def _ident(prefix: str, key: str) -> str:
    """A WiX identifier (letters, digits, _ and .; at most 72 characters) unique for ``key``."""
    return prefix + hashlib.sha1(key.encode()).hexdigest()[:30]


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and p.relative_to(root).parts[0] not in _NOT_INSTALLED)


def wix_source(layout_root: Path, spec: BuildSpec) -> tuple[str, int]:
    """The WiX XML for the layout folder and its ``policy.toml``; and the number of files.

    ``Source`` paths are relative: wixl runs in ``layout_root``.
    """
    components: list[str] = []
    tree: dict[tuple[str, ...], list[str]] = {}  # folder parts -> XML of its components
    files = _files(layout_root)
    for path in files:
        rel = path.relative_to(layout_root)
        key = PureWindowsPath(*rel.parts).as_posix()
        cid, fid = _ident("c", key), _ident("f", key)
        components.append(cid)
        tree.setdefault(rel.parts[:-1], []).append(
            f'<Component Id="{cid}" Guid="{_guid(key)}" Win64="yes">'
            f'<File Id="{fid}" Name={quoteattr(rel.name)} Source={quoteattr(key)} '
            f'KeyPath="yes"/></Component>')
    for folder in list(tree):
        for depth in range(len(folder)):
            tree.setdefault(folder[:depth], [])

    def directory(parts: tuple[str, ...]) -> str:
        children = sorted(p for p in tree if len(p) == len(parts) + 1 and p[:-1] == parts)
        inner = "".join(tree[parts]) + "".join(directory(child) for child in children)
        return (f'<Directory Id="{_ident("d", "/".join(parts))}" '
                f'Name={quoteattr(parts[-1])}>{inner}</Directory>')

    install_dir_inner = "".join(tree[()]) + "".join(
        directory(child) for child in sorted(p for p in tree if len(p) == 1))
    launcher = f"[INSTALLDIR]{windows.LAUNCHER}"
    pythonw = "[INSTALLDIR]Python\\pythonw.exe"
    run_value = f'"{pythonw}" "{launcher}"'
    command = "[INSTALLDIR]bin\\posturewatch.exe"
    app_paths = r"Software\Microsoft\Windows\CurrentVersion\App Paths\posturewatch.exe"
    extra_components = ["cPolicy", "cAutostart", "cAppPaths", "cMenu"]
    feature = "".join(f'<ComponentRef Id="{c}"/>' for c in components + extra_components)
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="{APP_NAME}" Language="1033" Codepage="1252"
           Version="{msi_version(spec.version)}" Manufacturer={quoteattr(spec.publisher)}
           UpgradeCode="{UPGRADE_CODE}">
    <Package InstallerVersion="500" Compressed="yes" InstallScope="perMachine"
             InstallPrivileges="elevated" Platform="x64" Manufacturer={quoteattr(spec.publisher)}
             Description="{APP_NAME} {spec.version}"
             Comments={quoteattr("IT policy: " + spec.policy.name)}/>
    <MajorUpgrade AllowSameVersionUpgrades="yes"
                  DowngradeErrorMessage="A newer version of {APP_NAME} is already installed."/>
    <Media Id="1" Cabinet="posturewatch.cab" EmbedCab="yes"/>
    <Property Id="ARPNOMODIFY" Value="1"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="{APP_NAME}">
          {install_dir_inner}
          <Component Id="cAutostart" Guid="{_guid('autostart')}" Win64="yes">
            <RegistryValue Root="HKLM" Key="{windows.RUN_KEY}" Name="{windows.RUN_VALUE}"
                           Type="string" Value={quoteattr(run_value)} KeyPath="yes"/>
          </Component>
          <Component Id="cAppPaths" Guid="{_guid('app-paths')}" Win64="yes">
            <RegistryValue Root="HKLM" Key="{app_paths}" Type="string"
                           Value="{command}" KeyPath="yes"/>
            <RegistryValue Root="HKLM" Key="{app_paths}" Name="Path" Type="string"
                           Value="[INSTALLDIR]bin"/>
          </Component>
        </Directory>
      </Directory>
      <Directory Id="CommonAppDataFolder">
        <Directory Id="POLICYDIR" Name="{windows.POLICY_FOLDER}">
          <Component Id="cPolicy" Guid="{_guid('policy')}" Win64="yes">
            <File Id="fPolicy" Name="policy.toml" Source="policy.toml" KeyPath="yes"/>
          </Component>
        </Directory>
      </Directory>
      <Directory Id="ProgramMenuFolder">
        <Component Id="cMenu" Guid="{_guid('start-menu')}" Win64="yes">
          <Shortcut Id="sMenu" Name="{APP_NAME}" Description="Posture and sitting-time monitor"
                    Target="{pythonw}" Arguments={quoteattr(f'"{launcher}"')}
                    WorkingDirectory="INSTALLDIR"/>
          <RegistryValue Root="HKLM" Key="Software\\{APP_NAME}" Name="StartMenuShortcut"
                         Type="integer" Value="1" KeyPath="yes"/>
        </Component>
      </Directory>
    </Directory>
    <Feature Id="Complete" Title="{APP_NAME}" Level="1">{feature}</Feature>
    <InstallExecuteSequence>
      <Custom Action="StopRunning" After="InstallInitialize"/>
    </InstallExecuteSequence>
  </Product>
</Wix>
"""
    return xml, len(files) + 1


def build(spec: BuildSpec) -> Path:
    """Build ``PostureWatch-<version>-amd64.msi`` into ``spec.out``; return its path."""
    wixl = require("wixl")
    msi_version(spec.version)  # refuse a bad version before the long steps
    layout = windows.lay_out(spec)
    shutil.copyfile(spec.policy, layout.root / "policy.toml")
    source, count = wix_source(layout.root, spec)
    wxs = spec.work / "posturewatch.wxs"
    wxs.write_text(source, encoding="utf-8")
    target = spec.out / f"{APP_NAME}-{spec.version}-amd64.msi"
    log(f"compiling the MSI with wixl ({count} files)")
    run([wixl, "--arch", "x64", "-o", target, wxs], cwd=layout.root)
    add_rows(target, spec.version, spec.work)
    return target


# CustomAction type 34 (run a program, working directory from the Directory
# table) + 0x40 ignore its exit code + 0x400 deferred + 0x800 as LocalSystem.
_STOP_RUNNING_TYPE = 34 | 0x40 | 0x400 | 0x800
# Upgrade row attributes: migrate features, minimum and maximum inclusive.
_SAME_VERSION_ATTRIBUTES = 1 | 256 | 512


def add_rows(msi: Path, version: str, work: Path) -> None:
    """Add what wixl 0.101 leaves out, with msitools' ``msibuild``.

    - the ``StopRunning`` custom action (wixl ignores ``<CustomAction>`` but
      does schedule the ``<Custom>`` step after InstallInitialize);
    - an ``Upgrade`` row that also detects the *same* version, as WiX's
      ``AllowSameVersionUpgrades`` does: a rebuilt installer with a changed
      policy and the same version replaces the installed one instead of
      installing beside it.
    """
    msibuild = require("msibuild")
    msiinfo = require("msiinfo")
    if len(_STOP_RUNNING) > 255:
        raise BuildError("the StopRunning command is longer than the MSI column allows (255)")
    custom = work / "CustomAction.idt"
    custom.write_text(
        "Action\tType\tSource\tTarget\tExtendedType\n"
        "s72\ti2\tS72\tS255\tI4\n"
        "CustomAction\tAction\n"
        f"StopRunning\t{_STOP_RUNNING_TYPE}\tTARGETDIR\t{_STOP_RUNNING}\t\n",
        encoding="utf-8")
    upgrade = work / "Upgrade.idt"
    rows = run([msiinfo, "export", msi, "Upgrade"], quiet=True)
    version_field = msi_version(version)
    same = (f"{UPGRADE_CODE}\t{version_field}\t{version_field}\t\t"
            f"{_SAME_VERSION_ATTRIBUTES}\t\tWIX_UPGRADE_DETECTED\n")
    upgrade.write_text(rows.rstrip("\n") + "\n" + same, encoding="utf-8")
    run([msibuild, msi, "-i", custom, "-i", upgrade], cwd=work)
