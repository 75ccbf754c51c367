"""The README's install steps, run line by line from a wheel built here, in a temporary root.

The block under「安装为 systemd 服务（全新 Debian，从 wheel）」runs as it is written, with its
absolute paths (``/etc/syncd``, ``/opt/syncd``, ``/var/lib/syncd``, ``/etc/systemd/system``)
moved under the temporary root.  Only what needs root, systemd or the network is stood in for,
by shell functions the block cannot tell from the real commands:

* ``useradd``, ``apt-get`` and ``systemctl daemon-reload`` are recorded, nothing more;
* ``install -o/-g`` keeps everything but the owner (the user does not exist here);
* ``python3 -m venv DIR`` makes a real virtual environment whose third-party packages are this
  test environment's (a ``.pth``, syncd itself left out) and whose ``pip`` installs with
  ``--no-index`` from the folder holding the wheel: no network in a test;
* ``systemctl enable --now syncd`` runs ``systemd-analyze verify`` on the installed unit
  (where systemd-analyze exists) instead of starting it.

The edit an operator makes to ``syncd.yaml`` (step 4) is given as ``SYNCD_…`` environment
overrides: the database is a seeded SQLite reference HIS under the temporary root.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MARKER = "<!-- install-steps:"
MOVED = ("/etc/systemd/system", "/etc/syncd", "/opt/syncd", "/var/lib/syncd")
ALIASES = {"postgres": "postgresql", "pg": "postgresql", "mariadb": "mysql", "sqlserver": "mssql"}

SHIMS = r"""
set -euo pipefail
log() { printf '%s\n' "$*" >> "$ROOT/commands.log"; }
useradd() { log "useradd $*"; }
apt-get() { log "apt-get $*"; }
install() {
  local args=()
  while [ $# -gt 0 ]; do
    case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac
  done
  command install "${args[@]}"
}
python3() {
  if [ "$1 $2" != "-m venv" ]; then command "$TEST_PYTHON" "$@"; return; fi
  local venv="$3"
  "$BASE_PYTHON" -m venv --without-pip "$venv"
  local site
  site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
  printf '%s\n' "$DEPS" > "$site/_test_deps.pth"
  printf '#!/bin/sh\nPIP_NO_INDEX=1 PIP_FIND_LINKS="%s" exec "%s" -m pip --python "%s" "$@"\n' \
    "$WHEELS" "$TEST_PYTHON" "$venv/bin/python" > "$venv/bin/pip"
  chmod +x "$venv/bin/pip"
}
systemctl() {
  log "systemctl $*"
  if [ "$*" = "enable --now syncd" ] && command -v systemd-analyze >/dev/null; then
    systemd-analyze verify "$ROOT/etc/systemd/system/syncd.service" 2> "$ROOT/verify.log"
  fi
}
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this checkout, built once (hatchling from the dev extra, no network)."""
    out = tmp_path_factory.mktemp("wheels")
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("syncd-*.whl")
    return found


def install_block() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    after = readme[readme.index(MARKER) :]
    match = re.search(r"```bash\n(.*?)```", after, re.S)
    assert match, "the README's install block is not where the marker says"
    return match.group(1)


def moved(text: str, root: Path) -> str:
    for path in MOVED:
        text = text.replace(path, f"{root}{path}")
    return text


def _deps(folder: Path) -> Path:
    """This environment's third-party packages (links), without syncd."""
    site = Path(sysconfig.get_path("purelib"))
    folder.mkdir()
    for entry in site.iterdir():
        if entry.suffix == ".pth" or entry.name.startswith(("syncd", "_editable", "__editable")):
            continue
        (folder / entry.name).symlink_to(entry)
    return folder


def test_the_wheel_ships_what_the_readme_copies_and_the_driver_aliases(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        metadata = whl.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    for shipped in (
        "syncd/_data/syncd.example.yaml",
        "syncd/_data/systemd/syncd.service",
        "syncd/_data/README.md",
        "syncd/_data/mappings/inpatient/ip_fee.yaml",
        "syncd/_data/sql/oracle/schema.sql",
        "syncd/_data/sql/examples/mysql/views.sql",
        "syncd/_data/sql/examples/pinyin/postgresql/views.sql",  # the second example HIS
        "syncd/_data/sql/examples/pinyin/mappings/outpatient/op_registration.yaml",
        "syncd/_data/sql/grants/postgresql.sql",
    ):
        assert shipped in names, shipped
    requires: dict[str, set[str]] = {}
    for line in metadata.decode("utf-8").splitlines():
        if line.startswith("Requires-Dist:") and "; extra ==" in line:
            requirement, extra = line.removeprefix("Requires-Dist: ").split("; extra == ")
            requires.setdefault(extra.strip("'\""), set()).add(requirement)
    for alias, extra in ALIASES.items():
        assert requires[alias] == requires[extra], alias


def test_the_readme_install_steps_work_from_the_wheel(wheel: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc" / "systemd" / "system").mkdir(parents=True)  # there on every Debian
    his = root / "var" / "lib" / "syncd" / "his.db"
    block = install_block()
    assert f"./{wheel.name}[" in block, "the README names another wheel than pyproject builds"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNCD_", "CREDENTIALS"))}
    env.update(
        ROOT=str(root),
        WHEELS=str(wheel.parent),
        DEPS=str(_deps(tmp_path / "deps")),
        TEST_PYTHON=sys.executable,
        BASE_PYTHON=getattr(sys, "_base_executable", sys.executable),
        # step 4, the operator's edit of syncd.yaml
        SYNCD_DATABASE__URL=f"sqlite:///{his}",
        SYNCD_FOLDERS__REPORTS=str(root / "var" / "lib" / "syncd" / "reports"),
    )
    _seed(his)
    done = subprocess.run(
        ["bash", "-c", SHIMS + moved(block, root)],
        cwd=wheel.parent,
        env=env,
        input="platform-pw\ndatabase-pw\n",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    venv = root / "opt" / "syncd" / "venv"
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import syncd; print(syncd.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(venv)), "syncd was not imported from the installed wheel"
    etc = root / "etc" / "syncd"
    assert (etc / "credentials" / "platform-password").read_text() == "platform-pw"
    assert oct((etc / "credentials" / "database-password").stat().st_mode & 0o777) == "0o600"
    assert "下一步 / next steps" in done.stdout
    assert "mapping file(s) OK" in done.stdout and "every view and column" in done.stdout
    with sqlite3.connect(his) as conn:
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"wi_sync_status", "wi_request", "wi_message"} <= tables
    unit = (root / "etc" / "systemd" / "system" / "syncd.service").read_text(encoding="utf-8")
    assert f"ExecStart={venv}/bin/syncd run" in unit
    assert f"LoadCredential=platform-password:{etc}/credentials/platform-password" in unit
    log = (root / "commands.log").read_text(encoding="utf-8")
    assert "useradd --system" in log and "systemctl enable --now syncd" in log
    if shutil.which("systemd-analyze"):
        assert (root / "verify.log").read_text(encoding="utf-8") == ""


def _seed(his: Path) -> None:
    """A reference HIS seeded before the steps run (the DBA's part, not the operator's)."""
    his.parent.mkdir(parents=True)
    url = f"sqlite:///{his}"
    seeding = [sys.executable, "-m", "syncd.reference", "--url", url, "--day", "2026-11-25"]
    seeded = subprocess.run(seeding, capture_output=True, text=True, check=False)
    assert seeded.returncode == 0, seeded.stderr
