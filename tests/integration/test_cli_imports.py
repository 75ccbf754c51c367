"""What each command imports, in a fresh interpreter (a subprocess): ``--version``, ``--help``,
``status`` and ``check`` start fast; ``syncd run`` reaches READY without the report writers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
HEAVY = (
    "httpx",
    "jinja2",
    "openpyxl",
    "apscheduler",
    "syncd.engine",
    "syncd.service",
    "syncd.platform",
    "syncd.reconcile",
    "syncd.simulator",
)


def _modules(args: list[str], cwd: Path) -> set[str]:
    """The modules `syncd ARGS` imports (of those that matter for start-up)."""
    code = (
        "import sys\nsys.argv = ['syncd', *sys.argv[1:]]\nfrom syncd.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(done.stderr.splitlines()[-1].split())


def test_version_and_help_import_next_to_nothing(tmp_path: Path) -> None:
    version = _modules(["--version"], tmp_path)
    assert not version & {"click", "pydantic", "yaml", "sqlalchemy", "syncd.cli.app"}
    helped = _modules(["--help"], tmp_path)
    assert "click" in helped and not helped & {"pydantic", "yaml", "sqlalchemy", *HEAVY}


def test_status_and_check_load_neither_engine_nor_client_nor_report_writers(
    tmp_path: Path,
) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "syncd.yaml").write_text(
        "hospital: {akb020: H1}\ndatabase: {url: 'sqlite:///his.db'}\nplatform: {userid: A}\n"
        f"folders: {{mappings: '{README.parent / 'mappings'}', reports: reports}}\n",
        encoding="utf-8",
    )
    assert "sqlalchemy" in _modules(["init-db"], tmp_path)
    status = _modules(["status"], tmp_path)
    assert "syncd.cli.status" in status and not status & set(HEAVY)
    check = _modules(["check", "--offline"], tmp_path)
    assert "syncd.cli.check" in check and not check & set(HEAVY)


def test_run_starts_without_the_report_writers(tmp_path: Path) -> None:
    """`syncd run` reaches READY sooner without jinja2/openpyxl: the reconciliation (and its
    mail, which alert mails share) is imported when it runs."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys, syncd.cli.run\nprint(' '.join(sorted(sys.modules)))"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = set(done.stdout.split())
    assert "syncd.service.daemon" in loaded
    assert not loaded & {"jinja2", "openpyxl", "syncd.reconcile"}
