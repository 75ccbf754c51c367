"""Where the files shipped with syncd are: the mapping set and the SQL for DBAs.

A wheel carries them inside the package (``syncd/_data/``, see ``pyproject.toml``); a source
checkout (an editable install, the tests) has them at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The shipped folder ``name`` (``mappings`` or ``sql``), installed or in the checkout."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"syncd was installed without its '{name}' folder")


def shipped_mappings() -> Path:
    return shipped("mappings")
