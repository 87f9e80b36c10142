"""Installers for IT (installers/): policy refusal, the pieces of each target, the real builds.

Fast tests check the policy gate, the dependency trimming, the version
rules, the README's key table, a small MSI compiled by wixl and the macOS
LaunchAgent. Tests marked ``slow`` build the real installers from this
checkout with the example policy (downloads cached in installers/.cache/,
skipped with the reason when a download fails) and look inside them; the
.deb one installs the package on this machine with dpkg (as root only),
runs it, and removes and purges it again; the Debian 13 one is installed with
apt into a Debian 13 root made with mmdebstrap, run there and purged.
"""

from __future__ import annotations

import json
import lzma
import os
import plistlib
import pwd
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the installers package lives beside posturewatch, not in it

from installers import build as build_module  # noqa: E402
from installers import deb, debroot, msi, nsis, payload, pkg, reference, tools  # noqa: E402
from installers.spec import BuildSpec, project_version  # noqa: E402
from installers.tools import BuildError  # noqa: E402
from posturewatch.config import KEYS  # noqa: E402

BUILD = [sys.executable, str(REPO / "installers" / "build.py")]
EXAMPLE_POLICY = REPO / "config" / "example-policy.toml"
SHARED_MODELS = REPO.parent / "shared" / "models"

BAD_POLICY = """\
[defaults]
sit_limit_min = 3

[enforced]
retention_days = "forever"
camera_keep_opne = false
"""


def run_build(policy: Path, target: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*BUILD, "--policy", str(policy), "--target", target, "--out", str(out),
                           *extra], capture_output=True, text=True, cwd=REPO, timeout=3600)


# -- the policy gate ---------------------------------------------------------------------


@pytest.mark.parametrize("target", build_module.TARGETS)
def test_a_bad_policy_is_refused_naming_file_line_and_key(tmp_path: Path, target: str) -> None:
    policy = tmp_path / "company-policy.toml"
    policy.write_text(BAD_POLICY)
    out = tmp_path / "out"
    done = run_build(policy, target, out)
    assert done.returncode == 2, done.stderr
    assert "refusing to build: 3 problems" in done.stderr
    assert f"{policy}:2: sit_limit_min: must be a number between 5 and 240" in done.stderr
    assert f"{policy}:5: retention_days: must be a whole number" in done.stderr
    assert f'{policy}:6: camera_keep_opne: unknown setting; did you mean "camera_keep_open"?' \
        in done.stderr
    assert done.stdout == ""
    assert not out.exists() or not any(out.iterdir())


def test_settings_outside_the_policy_tables_are_refused(tmp_path: Path) -> None:
    # Valid as a user's config.toml, but as a policy it would lock and recommend nothing.
    policy = tmp_path / "flat.toml"
    policy.write_text('# comment\nsit_limit_min = 45\n')
    done = run_build(policy, "deb", tmp_path / "out")
    assert done.returncode == 2
    assert f"{policy}:2: sit_limit_min: policy settings belong in [enforced]" in done.stderr


def test_the_gate_is_the_check_of_posturewatch_config_check(tmp_path: Path) -> None:
    policy = tmp_path / "company-policy.toml"
    policy.write_text(BAD_POLICY)
    env = {**os.environ, "POSTUREWATCH_HOME": str(tmp_path / "home"),
           "POSTUREWATCH_POLICY": str(tmp_path / "none.toml")}
    checked = subprocess.run([sys.executable, "-m", "posturewatch", "config", "check", str(policy)],
                             capture_output=True, text=True, cwd=REPO, env=env, timeout=60)
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == build_module.check_policy(policy)
    assert build_module.check_policy(EXAMPLE_POLICY) == []


def test_a_missing_policy_file_is_refused(tmp_path: Path) -> None:
    done = run_build(tmp_path / "nowhere.toml", "msi", tmp_path / "out")
    assert done.returncode == 2
    assert f"{tmp_path / 'nowhere.toml'}: file not found" in done.stderr


# -- the README for IT -------------------------------------------------------------------


def test_the_readme_policy_table_is_generated_from_the_key_table() -> None:
    text = reference.README.read_text(encoding="utf-8")
    assert reference.render(text) == text, "run: python -m installers.reference"
    table = text.split(reference.BEGIN)[1].split(reference.END)[0]
    for key in KEYS:
        assert f"| `{key}` |" in table
    assert "| `retention_days` | 7 to 3650 (days) | `365` |" in table


# -- what every payload carries ----------------------------------------------------------


def _item(name: str, version: str, requires: list[str], filename: str | None = None) -> dict:
    return {"metadata": {"name": name, "version": version, "requires_dist": requires},
            "download_info": {"url": f"https://files.example/{filename or name + '.whl'}"}}


def _report(*items: dict) -> dict:
    return {"install": list(items)}


def test_pins_follow_the_target_platform_and_leave_the_trimmed_out() -> None:
    report = _report(
        _item("posturewatch", "0.1.0", ["mediapipe==0.10.21", "pystray>=0.19",
                                        'pytest>=8; extra == "test"']),
        _item("mediapipe", "0.10.21", ["numpy<2", "jax", "jaxlib", "sounddevice>=0.4.4"],
              "mediapipe-0.10.21-cp311-cp311-win_amd64.whl"),
        _item("numpy", "1.26.4", []),
        _item("jax", "0.7.1", ["scipy>=1.11", "ml_dtypes"]),
        _item("scipy", "1.17.1", ["numpy"]),
        _item("sounddevice", "0.5.6", ["CFFI>=1.0"]),
        _item("pystray", "0.19.5", ["Pillow", 'python-xlib>=0.17; sys_platform == "linux"',
                                    'pyobjc-framework-Quartz>=7.0; sys_platform == "darwin"']),
        _item("Pillow", "13.0.0", []),
        _item("python-xlib", "0.33", []),
    )
    pins, missing = payload.pins_from_report(report, payload.WINDOWS.environment)
    assert [p.name for p in pins] == ["mediapipe", "numpy", "pillow", "pystray"]
    assert pins[0].filename == "mediapipe-0.10.21-cp311-cp311-win_amd64.whl"
    assert missing == []
    # pip resolved on Linux: macOS needs what only its markers ask for.
    _, missing = payload.pins_from_report(report, payload.MACOS.environment)
    assert missing == ["pyobjc-framework-Quartz>=7.0"]


def test_another_os_is_resolved_from_its_own_requirements(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pip judges markers by the machine it runs on: asked for the project wheel
    with ``--platform win_amd64`` it wants the Linux-only dbus-fast for Windows
    (no such wheel). So Windows and macOS get the requirements evaluated for them."""
    wheel = tmp_path / "posturewatch-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("posturewatch-0.1.0.dist-info/METADATA", "\n".join([
            "Metadata-Version: 2.1", "Name: posturewatch", "Version: 0.1.0",
            "Requires-Dist: click>=8.1",
            "Requires-Dist: dbus-fast>=2; sys_platform == 'linux'",
            "Requires-Dist: python-xlib>=0.17; sys_platform == 'linux'"]))
    assert payload.target_requirements(wheel, payload.WINDOWS.environment) == ["click>=8.1"]
    assert payload.target_requirements(wheel, payload.MACOS.environment) == ["click>=8.1"]
    seen: list[list[str]] = []

    def run(command: list[object], **_kw: object) -> str:
        seen.append([str(part) for part in command])
        raise tools.BuildError("stop here")  # the command is all this test wants

    monkeypatch.setattr(payload, "run", run)
    monkeypatch.setattr(payload, "CACHE_DIR", tmp_path / "cache")
    with pytest.raises(tools.BuildError, match="stop here"):
        payload.resolve(["pip"], wheel, payload.WINDOWS)
    assert str(wheel) not in seen[0] and "click>=8.1" in seen[0]
    assert not any("dbus-fast" in part for part in seen[0])


def test_only_an_unreachable_network_counts_as_offline() -> None:
    offline = ("WARNING: Retrying ... NewConnectionError('Failed to establish a new connection')"
               "\nERROR: No matching distribution found for click")
    with pytest.raises(tools.DownloadError):
        tools.run([sys.executable, "-c", f"import sys; print({offline!r}); sys.exit(1)"],
                  network=True, quiet=True)
    missing_wheel = "ERROR: No matching distribution found for dbus-fast>=2 (from posturewatch)"
    with pytest.raises(tools.BuildError) as raised:
        tools.run([sys.executable, "-c", f"import sys; print({missing_wheel!r}); sys.exit(1)"],
                  network=True, quiet=True)
    assert not isinstance(raised.value, tools.DownloadError)


def test_a_new_need_for_a_trimmed_package_stops_the_build() -> None:
    report = _report(_item("posturewatch", "0.1.0", ["matplotlib"]),
                     _item("matplotlib", "3.11.2", ["scipy>=1.10"]))
    with pytest.raises(BuildError, match="matplotlib 3.11.2 requires scipy"):
        payload.pins_from_report(report, payload.WINDOWS.environment)


def test_prune_drops_tests_sources_caches_and_other_models_and_keeps_pose(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    files = {
        "numpy/__init__.py": "keep", "numpy/core/tests/test_x.py": "drop",
        "numpy/core/__pycache__/x.cpython-311.pyc": "drop", "fontTools/misc/bezier.c": "drop",
        "mediapipe/python/solutions/pose.py": "keep",
        "mediapipe/python/solutions/pose_test.py": "drop",
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite": "keep",
        "mediapipe/modules/pose_detection/pose_detection.tflite": "keep",
        "mediapipe/modules/hand_landmark/hand_landmark_full.tflite": "drop",
        "mediapipe/modules/hand_landmark/__init__.py": "keep",
        "cv2/data/haarcascade_eye.xml": "drop", "cv2/data/__init__.py": "keep",
        "cv2/qt/fonts/DejaVuSans.ttf": "drop", "tests/__init__.py": "keep",
    }
    for rel in files:
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text("x" * 10)
    pruned = payload.prune(site)
    for rel, fate in files.items():
        assert (site / rel).exists() == (fate == "keep"), rel
    assert pruned.files["test suites"] == 2
    assert pruned.bytes["mediapipe models other than pose"] == 10


def test_the_deb_release_is_chosen_and_an_unknown_one_refused(tmp_path: Path) -> None:
    assert deb.distro_for("trixie").python == "3.13"
    assert deb.distro_for(None).codename == deb.host_codename() or not deb.host_codename()
    assert deb.package_version("0.1.0", deb.DISTROS["trixie"]) == "0.1.0+deb13"
    assert deb.package_version("0.1.0-2", deb.DISTROS["bookworm"]) == "0.1.0-2+deb12"
    done = run_build(EXAMPLE_POLICY, "deb", tmp_path / "out", "--distro", "sid")
    assert done.returncode == 2
    assert ("--distro sid is not one the .deb is built for; choose one of bookworm (Debian 12), "
            "trixie (Debian 13), noble (Ubuntu 24.04)") in done.stderr
    done = run_build(EXAMPLE_POLICY, "msi", tmp_path / "out", "--distro", "trixie")
    assert done.returncode == 2 and "--distro and --models are for --target deb only" in done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_tasks_only_release_needs_its_model_file(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"the Debian 13 package \(Python 3.13, mediapipe 1.x\) "
                       r"must carry its pose model, but no --models folder given"):
        deb._model_files(None, deb.DISTROS["trixie"])
    broken = tmp_path / "models"
    broken.mkdir()
    (broken / "pose_landmarker_full.task").write_bytes(b"not a model")
    with pytest.raises(BuildError, match="pose_landmarker_full.task cannot be used"):
        deb._model_files(broken, deb.DISTROS["trixie"])
    assert deb._model_files(None, deb.DISTROS["bookworm"]) == []  # mediapipe 0.10.21 has one


def test_wheels_for_another_python_follow_its_markers(tmp_path: Path) -> None:
    platform = deb.DISTROS["trixie"].platform()
    assert platform.key == "linux-x86_64-cp313"
    options = " ".join(platform.pip_options)
    assert "--python-version 3.13" in options and "--abi cp313" in options
    assert "--platform manylinux_2_41_x86_64" in options
    assert "--platform manylinux_2_17_x86_64" in options
    wheel = payload.build_project_wheel(tmp_path)
    requires = payload.target_requirements(wheel, platform.environment)
    assert [r for r in requires if r.startswith("mediapipe")] == ["mediapipe<2,>=1.2.3"]
    bookworm = payload.target_requirements(wheel, {**platform.environment,
                                                   "python_version": "3.11"})
    assert [r for r in bookworm if r.startswith("mediapipe")] == ["mediapipe==0.10.21"]


def test_version_rules_of_each_format() -> None:
    assert msi.msi_version("0.1.0") == "0.1.0"
    assert msi.msi_version("0.1.0-2") == "0.1.0.2"
    for bad in ("0.1", "0.1.0rc1", "256.0.0", "1.2.65536"):
        with pytest.raises(BuildError):
            msi.msi_version(bad)
    assert nsis.vi_version("0.1.0-2") == "0.1.0.2"
    assert nsis.vi_version("1.2") == "1.2.0.0"
    deb.check_version("0.1.0~rc1-2")
    with pytest.raises(BuildError):
        deb.check_version("v0.1")


# -- a small MSI, compiled by wixl for real ----------------------------------------------


def _spec(tmp_path: Path, version: str = "1.2.3") -> BuildSpec:
    policy = tmp_path / "policy-src.toml"
    shutil.copyfile(EXAMPLE_POLICY, policy)
    return BuildSpec(policy=policy, version=version, out=tmp_path, work=tmp_path,
                     organisation="Example Corp IT", contact="it@example.com")


def msi_table(path: Path, table: str) -> list[list[str]]:
    """Rows of one MSI table (``msiinfo export``), without its three header lines."""
    text = subprocess.run(["msiinfo", "export", str(path), table], capture_output=True,
                          text=True, check=True).stdout
    return [line.split("\t") for line in text.splitlines()[3:]]


def msi_files(path: Path) -> dict[str, str]:
    """Installed path (``[Directory]\\...\\name``) -> File table key, for every file."""
    # A standard folder (ProgramFiles64Folder, ...) has "." as its name: show its id.
    parents = {row[0]: (row[1], row[0] if row[2] == "." else row[2].split("|")[-1])
               for row in msi_table(path, "Directory")}

    def folder(directory: str) -> str:
        parent, name = parents[directory]
        if not parent:
            return ""
        above = folder(parent)
        return f"{above}\\{name}" if above else name

    where = {row[0]: row[2] for row in msi_table(path, "Component")}
    return {f"{folder(where[row[1]])}\\{row[2].split('|')[-1]}": row[0]
            for row in msi_table(path, "File")}


def check_msi(path: Path, policy: Path, version: str) -> None:
    """The parts every PostureWatch MSI must have (used by the fast and the slow test)."""
    files = msi_files(path)
    install = "ProgramFiles64Folder\\PostureWatch"
    assert f"{install}\\Python\\pythonw.exe" in files
    assert f"{install}\\pkgs\\posturewatch\\cli.py" in files
    assert f"{install}\\bin\\posturewatch.exe" in files
    assert f"{install}\\PostureWatch.launch.pyw" in files
    assert "CommonAppDataFolder\\PostureWatch\\policy.toml" in files
    assert not any(name.endswith(("installer.nsi", "_system_path.py")) for name in files)
    registry = {(row[1], row[2], row[3]): row[4] for row in msi_table(path, "Registry")}
    run_value = registry[("2", r"Software\Microsoft\Windows\CurrentVersion\Run", "PostureWatch")]
    assert run_value == '"[INSTALLDIR]Python\\pythonw.exe" "[INSTALLDIR]PostureWatch.launch.pyw"'
    properties = dict(row[:2] for row in msi_table(path, "Property"))
    assert properties["ALLUSERS"] == "1"
    assert properties["UpgradeCode"] == msi.UPGRADE_CODE
    assert properties["ProductVersion"] == msi.msi_version(version)
    upgrades = msi_table(path, "Upgrade")
    same_version = [r for r in upgrades if r[1] == r[2] == msi.msi_version(version)]
    assert same_version and same_version[0][6] == "WIX_UPGRADE_DETECTED"
    actions = {row[0]: row for row in msi_table(path, "CustomAction")}
    assert "'[INSTALLDIR]*'" in actions["StopRunning"][3]
    sequence = {row[0] for row in msi_table(path, "InstallExecuteSequence")}
    assert {"StopRunning", "RemoveExistingProducts", "InstallFiles"} <= sequence
    components = msi_table(path, "Component")
    assert all(int(row[3]) & 256 for row in components), "every component is 64-bit"
    # The policy inside the cabinet is the policy the build was given.
    cab = path.parent / "extracted.cab"
    with open(cab, "wb") as handle:
        subprocess.run(["msiinfo", "extract", str(path), "posturewatch.cab"], stdout=handle,
                       check=True)
    target = path.parent / "cab"
    subprocess.run(["7z", "x", "-y", f"-o{target}", str(cab), "fPolicy"], capture_output=True,
                   check=True)
    assert (target / "fPolicy").read_bytes() == policy.read_bytes()


def test_a_small_msi_compiled_by_wixl_has_policy_program_autostart_and_upgrade(
        tmp_path: Path) -> None:
    for tool in ("wixl", "msiinfo", "msibuild", "7z"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: wixl msitools p7zip-full)")
    layout = tmp_path / "layout"
    for rel in ("Python/pythonw.exe", "Python/python311.dll", "pkgs/posturewatch/cli.py",
                "bin/posturewatch.exe", "PostureWatch.launch.pyw", "installer.nsi",
                "_system_path.py"):
        (layout / rel).parent.mkdir(parents=True, exist_ok=True)
        (layout / rel).write_text(rel)
    spec = _spec(tmp_path)
    shutil.copyfile(spec.policy, layout / "policy.toml")
    source, count = msi.wix_source(layout, spec)
    assert count == 6  # five program files and the policy
    (tmp_path / "p.wxs").write_text(source)
    built = tmp_path / "small.msi"
    subprocess.run(["wixl", "--arch", "x64", "-o", str(built), str(tmp_path / "p.wxs")],
                   cwd=layout, check=True, capture_output=True)
    msi.add_rows(built, spec.version, tmp_path)
    check_msi(built, spec.policy, spec.version)
    # Component GUIDs come from the file's path: the same in the next build.
    assert msi.wix_source(layout, spec)[0] == source


# -- the macOS LaunchAgent ---------------------------------------------------------------


def check_launch_agent(data: dict) -> None:
    assert data["Label"] == "org.posturewatch.monitor"
    assert data["ProgramArguments"] == ["/Library/PostureWatch/bin/posturewatch", "run"]
    assert data["RunAtLoad"] is True
    assert data["KeepAlive"] == {"SuccessfulExit": False}
    assert data["LimitLoadToSessionType"] == "Aqua"


def test_the_launch_agent_starts_the_tray_at_every_desktop_login(tmp_path: Path) -> None:
    check_launch_agent(plistlib.loads(pkg.launch_agent(_spec(tmp_path))))


# -- the real builds (slow) --------------------------------------------------------------


def _build_or_skip(tmp_path_factory: pytest.TempPathFactory, target: str) -> Path:
    out = tmp_path_factory.mktemp(f"dist-{target}")
    done = run_build(EXAMPLE_POLICY, target, out)
    if done.returncode == 3:
        pytest.skip("a download the build needs failed (no network?): "
                    + done.stderr.strip().splitlines()[-1])
    assert done.returncode == 0, done.stderr[-4000:]
    built = Path(done.stdout.strip().splitlines()[-1])
    assert built.exists()
    return built


def _require(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")


@pytest.fixture(scope="session")
def deb_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require("dpkg-deb", "readelf")
    if not Path("/usr/bin/python3.11").exists() or shutil.which("dpkg-query") is None:
        pytest.skip("the .deb needs Debian's /usr/bin/python3.11 (python3.11-venv)")
    return _build_or_skip(tmp_path_factory, "deb")


@pytest.fixture(scope="session")
def exe_installer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require("makensis", "7z")
    pytest.importorskip("nsist", reason="pynsist is not installed (pip install pynsist)")
    return _build_or_skip(tmp_path_factory, "exe")


@pytest.fixture(scope="session")
def msi_installer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require("wixl", "msiinfo", "msibuild", "7z")
    pytest.importorskip("nsist", reason="pynsist is not installed (pip install pynsist)")
    return _build_or_skip(tmp_path_factory, "msi")


@pytest.fixture(scope="session")
def pkg_recipe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_or_skip(tmp_path_factory, "pkg")


def nsis_script_text(exe: Path) -> str:
    """The script header of a solid-LZMA NSIS installer, decompressed, as text (UTF-16).

    7-Zip lists the packed files but not what the script writes to the
    registry; the header holds those strings.
    """
    data = exe.read_bytes()
    signature = data.find(b"\xef\xbe\xad\xdeNullsoftInst")
    assert signature > 0, "not an NSIS installer"
    body = data[signature + 24:]
    props, (dict_size,) = body[0], struct.unpack("<I", body[1:5])
    decoder = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[{
        "id": lzma.FILTER_LZMA1, "dict_size": dict_size,
        "lc": props % 9, "lp": (props // 9) % 5, "pb": props // 45}])
    out = decoder.decompress(body[5:5 + 4_000_000], max_length=8_000_000)
    (size,) = struct.unpack("<I", out[:4])
    assert len(out) >= 4 + size, "the header did not fit in the first bytes"
    return out[4:4 + size].decode("utf-16-le", errors="replace")


def archive_names(path: Path) -> set[str]:
    """Every path 7-Zip lists in an archive (``7z l -slt``)."""
    listing = subprocess.run(["7z", "l", "-slt", str(path)], capture_output=True, text=True,
                             check=True).stdout
    return set(re.findall(r"^Path = (.+)$", listing, re.MULTILINE)) - {str(path)}


@pytest.mark.slow
def test_the_exe_carries_policy_program_and_autostart(exe_installer: Path) -> None:
    names = archive_names(exe_installer)
    assert "$APPDATA/PostureWatch/policy.toml" in names  # %ProgramData% (all-users context)
    for packed in ("Python/pythonw.exe", "Python/python311.dll", "Python/msvcp140.dll",
                   "Python/concrt140.dll", "bin/posturewatch.exe",
                   "pkgs/posturewatch/cli.py", "pkgs/posturewatch/__pycache__/cli.cpython-311.pyc",
                   "pkgs/mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
                   "PostureWatch.launch.pyw", "uninstall.exe"):
        assert packed in names, packed
    assert not any(n.startswith(("pkgs/jax", "pkgs/scipy/", "pkgs/sounddevice")) for n in names)
    script = nsis_script_text(exe_installer)
    assert r"Software\Microsoft\Windows\CurrentVersion\Run" in script
    assert "PostureWatch.launch.pyw" in script and "pythonw.exe" in script
    print(f"\n{exe_installer.name}: {exe_installer.stat().st_size / 1e6:.1f} MB")


@pytest.mark.slow
def test_the_msi_carries_policy_program_and_autostart(msi_installer: Path) -> None:
    check_msi(msi_installer, EXAMPLE_POLICY, project_version())
    files = msi_files(msi_installer)
    install = "ProgramFiles64Folder\\PostureWatch"
    assert f"{install}\\pkgs\\mediapipe\\modules\\pose_landmark\\pose_landmark_full.tflite" in files
    # mediapipe's and OpenCV's C++ runtime, next to python.exe (no VC++ Redistributable needed)
    for dll in ("msvcp140.dll", "concrt140.dll", "vcruntime140.dll"):
        assert f"{install}\\Python\\{dll}" in files
    assert not any("\\pkgs\\jax" in name or "\\pkgs\\scipy\\" in name for name in files)
    print(f"\n{msi_installer.name}: {msi_installer.stat().st_size / 1e6:.1f} MB")


@pytest.mark.slow
def test_the_pkg_recipe_lays_out_payload_scripts_and_launch_agent(pkg_recipe: Path) -> None:
    root = pkg_recipe / "payload"
    agent = root / "Library/LaunchAgents/org.posturewatch.monitor.plist"
    with open(agent, "rb") as handle:
        check_launch_agent(plistlib.load(handle))
    policy = root / "Library/Application Support/PostureWatch/policy.toml"
    assert policy.read_bytes() == EXAMPLE_POLICY.read_bytes()
    prefix = root / "Library/PostureWatch"
    packages = prefix / "pkgs"
    assert (packages / "posturewatch/cli.py").is_file()
    assert list(packages.glob("cv2/cv2*.so")), "OpenCV for macOS"
    assert list(packages.glob("mediapipe/python/_framework_bindings*.so"))
    assert list(packages.glob("objc")) or list(packages.glob("Quartz")), "pystray's Quartz"
    assert not (packages / "jax").exists() and not (packages / "scipy").exists()
    for script in (prefix / "bin/posturewatch", prefix / "uninstall.sh",
                   pkg_recipe / "scripts/preinstall", pkg_recipe / "scripts/postinstall",
                   pkg_recipe / "build-pkg.sh"):
        assert os.access(script, os.X_OK), script
        assert script.read_text().startswith("#!/bin/sh")
        assert not re.search(r"@[A-Z_]+@", script.read_text()), f"placeholder left in {script}"
    launcher = (prefix / "bin/posturewatch").read_text()
    assert f'"{pkg.PYTHON}" -I -S "/Library/PostureWatch/launch.py"' in launcher
    distribution = ElementTree.parse(pkg_recipe / "distribution.xml").getroot()
    assert distribution.find("pkg-ref[@id='org.posturewatch.pkg']") is not None
    assert "pkgbuild --root payload --scripts scripts" in (pkg_recipe / "build-pkg.sh").read_text()


# -- the .deb on this machine ------------------------------------------------------------


def lintian_tags(package: Path) -> dict[str, int]:
    out = subprocess.run(["lintian", "--tag-display-limit", "0", str(package)],
                         capture_output=True, text=True, timeout=900).stdout
    tags: dict[str, int] = {}
    for match in re.finditer(r"^[EWIPX]: \S+: (\S+)", out, re.MULTILINE):
        tags[match.group(1)] = tags.get(match.group(1), 0) + 1
    return tags


@pytest.mark.slow
def test_the_deb_has_only_the_lintian_findings_its_builder_explains(deb_package: Path) -> None:
    _require("lintian")
    tags = lintian_tags(deb_package)
    assert set(tags) <= set(deb.LINTIAN_ACCEPTED), {t: n for t, n in tags.items()
                                                    if t not in deb.LINTIAN_ACCEPTED}


def sh(*args: str, env: dict[str, str] | None = None, user: str | None = None,
       check: bool = True) -> subprocess.CompletedProcess:
    command = list(args)
    if user is not None:
        account = pwd.getpwnam(user)
        command = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
                   "--clear-groups", *command]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    if check:
        assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


PACKAGE_PATHS = (
    Path("/opt/posturewatch"), Path("/usr/bin/posturewatch"), Path("/etc/posturewatch"),
    Path("/etc/xdg/autostart/posturewatch.desktop"), Path("/usr/share/doc/posturewatch"),
    Path("/usr/share/man/man1/posturewatch.1.gz"),
)


@pytest.fixture
def desk() -> Iterator[Path]:
    """A folder any user can write (for the unprivileged run), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="posturewatch-desk-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.model
def test_the_deb_installs_runs_enforces_the_policy_and_purges_cleanly(
        deb_package: Path, desk: Path, astronaut_video: Callable[..., Path]) -> None:
    if os.geteuid() != 0:
        pytest.skip("installing a .deb needs root")
    _require("dpkg", "setpriv", "desktop-file-validate")
    if sh("dpkg-query", "-W", "-f=${Status}", "posturewatch", check=False).stdout.startswith(
            "install ok"):
        pytest.skip("a posturewatch package is installed here already; not replacing it "
                    "(dpkg --purge posturewatch to run this test)")
    video = desk / "clip.avi"
    shutil.copyfile(astronaut_video(n_astronaut=3, n_blank=2), video)
    video.chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTUREWATCH_")}
    env["POSTUREWATCH_HOME"] = str(desk / "home")
    env["HOME"] = str(desk / "home")  # the unprivileged user's home (matplotlib's cache)
    try:
        sh("dpkg", "-i", str(deb_package))
        assert Path("/usr/bin/posturewatch").resolve() == Path("/opt/posturewatch/bin/posturewatch")
        conffiles = sh("dpkg-query", "-W", "-f=${Conffiles}", "posturewatch").stdout
        assert "/etc/posturewatch/policy.toml" in conffiles
        sh("desktop-file-validate", "/etc/xdg/autostart/posturewatch.desktop")
        assert Path("/etc/posturewatch/policy.toml").read_bytes() == EXAMPLE_POLICY.read_bytes()
        assert not list(Path("/opt/posturewatch/lib/python3.11/site-packages").glob("jax*"))

        # A user's own file tries to change a locked key and a recommended one.
        user_config = desk / "home" / "config" / "config.toml"
        user_config.parent.mkdir(parents=True)
        user_config.write_text("retention_days = 30\nsit_limit_min = 50\n")
        for path in (desk / "home", user_config.parent):
            path.chmod(0o777)
        shown = sh("posturewatch", "config", "show", env=env, user="nobody").stdout
        lines = {line.split()[0]: line for line in shown.splitlines() if " = " in line}
        assert "= 90 " in lines["retention_days"] and "[locked]" in lines["retention_days"]
        assert "enforced by policy: /etc/posturewatch/policy.toml" in lines["retention_days"]
        assert "= 50.0" in lines["sit_limit_min"] and "user config" in lines["sit_limit_min"]
        assert "= false" in lines["camera_keep_open"] and "[locked]" in lines["camera_keep_open"]
        assert '"08:00-18:00"' in lines["work_hours"] and "policy defaults" in lines["work_hours"]
        assert "retention_days: locked by your organisation's policy" in shown

        # The whole pipeline with the real pose model, as an ordinary user.
        replay = sh("posturewatch", "replay", str(video), "--interval-s", "5",
                    "--db", str(desk / "replay.db"), env=env, user="nobody")
        result = json.loads(replay.stdout.strip().splitlines()[-1])
        assert result["frames"] == 5
        assert result["verdicts"]["upright"] + result["verdicts"]["slouched"] == 3
        assert result["present_s"] == pytest.approx(15.0)
        assert (desk / "replay.db").stat().st_size > 0

        sh("dpkg", "-r", "posturewatch")
        for gone in (Path("/opt/posturewatch"), Path("/usr/bin/posturewatch"),
                     Path("/usr/share/doc/posturewatch")):
            assert not gone.exists(), gone
        assert Path("/etc/posturewatch/policy.toml").exists(), "dpkg -r keeps conffiles"
        sh("dpkg", "--purge", "posturewatch")
        assert [p for p in PACKAGE_PATHS if p.exists()] == []
        status = sh("dpkg-query", "-W", "-f=${Status}", "posturewatch", check=False)
        assert "install ok" not in status.stdout
    finally:
        subprocess.run(["dpkg", "--purge", "posturewatch"], capture_output=True)


# -- the Debian 13 .deb in a Debian 13 root -------------------------------------------------
@pytest.fixture(scope="session")
def trixie_deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require("dpkg-deb", "readelf", "mmdebstrap", "chroot")
    if os.geteuid() != 0:
        pytest.skip("building for another release chroots into its root: needs root")
    if not (SHARED_MODELS / "pose_landmarker_full.task").is_file():
        pytest.skip(f"the pose model files are not in {SHARED_MODELS}")
    out = tmp_path_factory.mktemp("dist-trixie")
    done = run_build(EXAMPLE_POLICY, "deb", out, "--distro", "trixie",
                     "--models", str(SHARED_MODELS))
    if done.returncode == 3:
        pytest.skip("a download the build needs failed (no network?): "
                    + done.stderr.strip().splitlines()[-1])
    assert done.returncode == 0, done.stderr[-4000:]
    built = Path(done.stdout.strip().splitlines()[-1])
    assert built.name == "posturewatch_0.1.0+deb13_amd64.deb", built
    return built


def in_root(root: Path, *args: str, user: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "DEBIAN_FRONTEND": "noninteractive", "HOME": "/tmp/desk/home",
           "POSTUREWATCH_HOME": "/tmp/desk/home"}
    prefix = ["chroot", *([f"--userspec={user}"] if user else []), str(root)]
    done = subprocess.run([*prefix, *args], capture_output=True, text=True, env=env,
                          timeout=900)
    if check:
        assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
@pytest.mark.model
def test_the_debian_13_deb_installs_runs_and_purges_in_a_debian_13_root(
        trixie_deb: Path, tmp_path: Path, astronaut_video: Callable[..., Path]) -> None:
    # A plain Debian 13 (apt and nothing else), as mmdebstrap makes it from Debian's packages.
    try:
        base = debroot.tarball("trixie", ["ca-certificates"])
    except BuildError as error:
        pytest.skip(f"cannot make a Debian 13 root: {error}")
    root = debroot.unpack(base, tmp_path / "trixie")
    assert debroot.os_release(root)["VERSION_ID"] == "13"
    assert not (root / "usr" / "bin" / "python3").exists()
    shutil.copyfile("/etc/resolv.conf", root / "etc" / "resolv.conf")
    desk = root / "tmp" / "desk"
    (desk / "home" / "config").mkdir(parents=True)
    shutil.copyfile(trixie_deb, root / "tmp" / trixie_deb.name)
    shutil.copyfile(astronaut_video(n_astronaut=3, n_blank=2), desk / "clip.avi")
    (desk / "home" / "config" / "config.toml").write_text("retention_days = 30\n"
                                                          "sit_limit_min = 50\n")
    for path in [desk, *desk.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o666)
    with debroot.mounted(root):
        in_root(root, "apt-get", "update", "-qq")
        installed = in_root(root, "apt-get", "install", "-y", "-qq", "--no-install-recommends",
                            f"/tmp/{trixie_deb.name}")
        assert "posturewatch" in installed.stdout
        version = in_root(root, "dpkg-query", "-W", "-f=${Version}", "posturewatch").stdout
        assert version == "0.1.0+deb13"
        assert (root / "opt/posturewatch/share/posturewatch/models/pose_landmarker_full.task"
                ).is_file()
        assert (root / "opt/posturewatch/lib/python3.13/site-packages/posturewatch").is_dir()

        # The enforced policy values, for an ordinary user whose file tries to change them.
        shown = in_root(root, "posturewatch", "config", "show", user="nobody:nogroup").stdout
        lines = {line.split()[0]: line for line in shown.splitlines() if " = " in line}
        assert "= 90 " in lines["retention_days"] and "[locked]" in lines["retention_days"]
        assert "enforced by policy: /etc/posturewatch/policy.toml" in lines["retention_days"]
        assert "= 50.0" in lines["sit_limit_min"] and "user config" in lines["sit_limit_min"]
        assert "retention_days: locked by your organisation's policy" in shown

        # The whole pipeline with the model the package carries (Tasks backend), no download.
        status = in_root(root, "posturewatch", "model", "status", user="nobody:nogroup").stdout
        assert "/opt/posturewatch/share/posturewatch/models/pose_landmarker_full.task" in status
        replay = in_root(root, "posturewatch", "replay", "/tmp/desk/clip.avi", "--interval-s",
                         "5", "--db", "/tmp/desk/replay.db", user="nobody:nogroup")
        result = json.loads(replay.stdout.strip().splitlines()[-1])
        assert result["frames"] == 5
        assert result["verdicts"]["upright"] + result["verdicts"]["slouched"] == 3
        assert result["present_s"] == pytest.approx(15.0)

        in_root(root, "dpkg", "--purge", "posturewatch")
        left = [p for p in PACKAGE_PATHS if (root / p.relative_to("/")).exists()]
        assert left == []
        status = in_root(root, "dpkg-query", "-W", "-f=${Status}", "posturewatch", check=False)
        assert "install ok" not in status.stdout
