"""The package's own source, parsed once per test run (the scans of the vocabulary and of the
exception tree read every module of ``syncd/``)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "syncd"


@cache
def modules() -> tuple[tuple[Path, str, ast.Module], ...]:
    """(path, text, tree) of every module of ``syncd/``, in path order."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found.append((path, text, ast.parse(text)))
    return tuple(found)


def class_defs(tree: ast.Module) -> list[ast.ClassDef]:
    """Every class statement of a module, nested ones included (statements only are walked:
    expressions hold no class statements, and they are most of the nodes)."""
    found: list[ast.ClassDef] = []
    statements: list[ast.stmt] = list(tree.body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.ClassDef):
            found.append(node)
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, name, ()):
                statements += (
                    child.body if isinstance(child, ast.excepthandler | ast.match_case) else [child]
                )
    return sorted(found, key=lambda n: n.lineno)
