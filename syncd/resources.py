"""The files shipped with syncd, and ``syncd init``: a copy of them in the operator's folder.

A wheel carries them inside the package (``syncd/_data/``, see ``pyproject.toml``); a source
checkout (an editable install, the tests) has them at the top of the repository.  Shipped:
the example settings file, the systemd unit, the mappings, the SQL (DDL per dialect, grants,
reference views) and the README.

:func:`init_folder` writes them into a folder such as ``/etc/syncd`` and records what it wrote
(a SHA-256 per file in :data:`MANIFEST`).  Run again (after an upgrade) it writes new files,
updates a file it wrote that nobody changed since, and leaves alone every file the operator
changed or wrote, listing each.  The unit is written for where it is installed: its
``ExecStart`` names the ``syncd`` next to the running interpreter and its paths the folder.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from syncd import __version__

_PACKAGE = Path(__file__).resolve().parent
MANIFEST = ".syncd-init.json"
SETTINGS_EXAMPLE, UNIT = "syncd.example.yaml", "systemd/syncd.service"
# shipped name -> name in the operator's folder
_COPIED = {
    SETTINGS_EXAMPLE: "syncd.yaml",
    UNIT: "syncd.service",
    "README.md": "README.md",
    "mappings": "mappings",
    "sql": "sql",
}
# what the shipped unit names, and the default folder of the settings
UNIT_EXECUTABLE, UNIT_FOLDER = "/opt/syncd/venv/bin/syncd", "/etc/syncd"


def shipped(name: str) -> Path:
    """The shipped file or folder ``name`` (``mappings``, ``sql``, ``syncd.example.yaml`` …),
    installed or in the checkout."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"syncd was installed without its '{name}' folder")


def shipped_mappings() -> Path:
    return shipped("mappings")


@dataclass
class FolderInitReport:
    """What :func:`init_folder` did, file by file (paths relative to the folder)."""

    folder: Path
    written: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed or written by the operator
    dropped: list[str] = field(default_factory=list)  # written earlier, no longer shipped


def init_folder(folder: Path, executable: Path | None = None) -> FolderInitReport:
    """Write the shipped files into ``folder``; never overwrite a file the operator changed."""
    executable = executable or default_executable()
    folder.mkdir(parents=True, exist_ok=True)
    recorded = _read_manifest(folder / MANIFEST)
    manifest: dict[str, str] = {}
    report = FolderInitReport(folder)
    for name, text in _shipped_files(folder, executable):
        target = folder / name
        new = _digest(text)
        current = _digest(target.read_bytes()) if target.is_file() else None
        if current is None and not target.exists():
            _write(target, text)
            report.written.append(name)
        elif current == new:
            report.unchanged.append(name)
        elif current is not None and current == recorded.get(name):
            _write(target, text)
            report.updated.append(name)
        else:
            report.kept.append(name)
            if name in recorded:
                manifest[name] = recorded[name]  # still what we wrote, not what is there
            continue
        manifest[name] = new
    report.dropped = sorted(set(recorded) - set(manifest) - set(report.kept))
    manifest.update({name: recorded[name] for name in report.dropped})
    document = {"syncd": __version__, "files": dict(sorted(manifest.items()))}
    (folder / MANIFEST).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return report


def default_executable() -> Path:
    """The ``syncd`` script next to the running interpreter (the unit's ``ExecStart``)."""
    script = Path(sys.executable).with_name("syncd")
    return script if script.exists() else Path(UNIT_EXECUTABLE)


def _shipped_files(folder: Path, executable: Path) -> Iterator[tuple[str, bytes]]:
    for source, name in _COPIED.items():
        path = shipped(source)
        if path.is_file():
            data = path.read_bytes()
            if source == UNIT:
                data = unit_for(data.decode("utf-8"), folder, executable).encode("utf-8")
            yield name, data
            continue
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            if "__pycache__" not in file.parts:
                yield f"{name}/{file.relative_to(path).as_posix()}", file.read_bytes()


def unit_for(unit: str, folder: Path, executable: Path) -> str:
    """The shipped unit naming ``executable`` and the settings folder ``folder``."""
    return unit.replace(UNIT_EXECUTABLE, str(executable)).replace(UNIT_FOLDER, str(folder))


def _read_manifest(path: Path) -> dict[str, str]:
    """What an earlier init wrote; nothing (every existing file is the operator's) when the
    record is missing or unreadable."""
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".syncd-new")
    partial.write_bytes(data)
    partial.replace(target)
