"""Modules ≤ 400 lines, classes ≤ 250 lines (#14 "Done when"): a module or class that grows
past its limit fails here, with its path and size, so that it is split along a seam."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from source_tree import PACKAGE, class_defs, modules

MODULE_LIMIT = 400
CLASS_LIMIT = 250


def class_lines(node: ast.ClassDef) -> int:
    """The lines a class statement spans, its decorators included."""
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return (node.end_lineno or node.lineno) - first + 1


def oversized(
    tree_modules: Iterable[tuple[Path, str, ast.Module]] | None = None,
) -> list[str]:
    """Every module and class of ``syncd/`` (or of ``tree_modules``) over its limit."""
    found = []
    for path, text, tree in modules() if tree_modules is None else tree_modules:
        where = path.relative_to(PACKAGE.parent)
        lines = len(text.splitlines())
        if lines > MODULE_LIMIT:
            found.append(f"{where}: {lines} lines (module limit {MODULE_LIMIT})")
        for node in class_defs(tree):
            if class_lines(node) > CLASS_LIMIT:
                found.append(
                    f"{where}:{node.lineno} {node.name}: {class_lines(node)} lines "
                    f"(class limit {CLASS_LIMIT})"
                )
    return found


def test_no_module_or_class_is_over_its_limit() -> None:
    assert oversized() == []


def test_the_scan_would_see_a_long_module_and_a_long_class() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(CLASS_LIMIT))
    text = f"@decorated\nclass Long:\n{body}\n" + "y = 1\n" * (MODULE_LIMIT - CLASS_LIMIT)
    found = oversized([(PACKAGE / "long.py", text, ast.parse(text))])
    assert found == [
        f"syncd/long.py: {CLASS_LIMIT + 2 + MODULE_LIMIT - CLASS_LIMIT} lines "
        f"(module limit {MODULE_LIMIT})",
        f"syncd/long.py:2 Long: {CLASS_LIMIT + 2} lines (class limit {CLASS_LIMIT})",
    ]


def test_a_module_and_a_class_at_their_limits_pass() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(CLASS_LIMIT - 1))
    text = f"class AtLimit:\n{body}\n" + "y = 1\n" * (MODULE_LIMIT - CLASS_LIMIT)
    assert len(text.splitlines()) == MODULE_LIMIT
    assert oversized([(PACKAGE / "limit.py", text, ast.parse(text))]) == []
