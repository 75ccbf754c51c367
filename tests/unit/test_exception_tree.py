"""ONE exception tree (#14 item 6): ``syncd.core.errors`` holds every exception class of
syncd, none is unused, and its docstring draws the tree as the classes define it."""

from __future__ import annotations

import ast
import builtins
import re

from source_tree import PACKAGE, class_defs, modules

import syncd.core.errors as errors

ERRORS_FILE = PACKAGE / "core" / "errors.py"
WORD = re.compile(r"\b[A-Z]\w+")
BUILTIN_EXCEPTIONS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def tree_classes() -> dict[str, type[BaseException]]:
    return {
        name: value
        for name, value in vars(errors).items()
        if isinstance(value, type)
        and issubclass(value, BaseException)
        and value.__module__ == errors.__name__
    }


def _base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Attribute):
        return base.attr
    return base.id if isinstance(base, ast.Name) else ""


def exception_classes_elsewhere() -> list[str]:
    """Classes outside core/errors whose bases are a builtin exception, a tree class, or a
    name that reads like an exception (``…Error``, ``…Exception``)."""
    known = BUILTIN_EXCEPTIONS | set(tree_classes())
    found = []
    for path, _, tree in modules():
        if path == ERRORS_FILE:
            continue
        for node in class_defs(tree):
            bases = [_base_name(b) for b in node.bases]
            if any(b in known or b.endswith(("Error", "Exception")) for b in bases):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}")
    return found


def test_no_exception_class_is_defined_outside_the_tree() -> None:
    assert exception_classes_elsewhere() == []


def test_the_scan_would_see_one() -> None:
    source = "class Oops(ValueError):\n    pass\nclass Later(errors.SyncdError): ...\n"
    classes = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef)]
    known = BUILTIN_EXCEPTIONS | set(tree_classes())
    assert [c.name for c in classes if any(_base_name(b) in known for b in c.bases)] == [
        "Oops",
        "Later",
    ]


def test_every_class_of_the_tree_is_used() -> None:
    """A leaf is raised or caught somewhere in syncd/; an inner class has subclasses."""
    classes = tree_classes()
    words = {w for path, text, _ in modules() if path != ERRORS_FILE for w in WORD.findall(text)}
    unused = [
        name for name, cls in classes.items() if not cls.__subclasses__() and name not in words
    ]
    assert unused == []


def drawn_tree() -> dict[str, str | None]:
    """Class name -> parent name as the module docstring draws it (None for a root)."""
    doc = errors.__doc__ or ""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []  # (column of the name, name)
    for line in doc.splitlines():
        match = re.match(r"^(\s*)((?:[│ ]   )*)(?:[├└]── )?([A-Z]\w+)\b", line)
        if not match or match.group(3) not in vars(errors):
            continue
        column = match.start(3)
        while stack and stack[-1][0] >= column:
            stack.pop()
        parents[match.group(3)] = stack[-1][1] if stack else None
        stack.append((column, match.group(3)))
    return parents


def test_the_docstring_draws_the_tree() -> None:
    classes = tree_classes()
    drawn = drawn_tree()
    assert set(drawn) == set(classes)
    actual = {
        name: next((b.__name__ for b in cls.__bases__ if b.__name__ in classes), None)
        for name, cls in classes.items()
    }
    assert drawn == actual
