"""One vocabulary (#14): no two types in ``syncd/`` share a name.

Every class and every module-level type alias (``X = dict[...]``, ``X = Literal[...]``,
``X = Callable[...]``) is defined in exactly one module, private ones (``_MonitorServer``)
included: a reader searching for a name finds one definition.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from typing import get_args

from source_tree import PACKAGE, modules

from syncd.core.records import VISIT_KINDS, VISIT_STATES
from syncd.mapping.types import VisitKindCode, VisitStateCode


def _is_type_alias(node: ast.Assign) -> bool:
    """``Name = Subscript | Name | BinOp-of-types`` at module level, with a CapWords name."""
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return False
    name = node.targets[0].id
    bare = name.lstrip("_")
    if not bare[:1].isupper() or bare.isupper():
        return False
    return isinstance(node.value, (ast.Subscript, ast.Name, ast.Attribute, ast.BinOp))


def type_names() -> dict[str, list[str]]:
    where: dict[str, list[str]] = defaultdict(list)
    for path, _, tree in modules():
        module = str(path.relative_to(PACKAGE.parent))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                name = node.name
            elif isinstance(node, ast.Assign) and _is_type_alias(node):
                name = node.targets[0].id  # type: ignore[union-attr]
            else:
                continue
            where[name].append(f"{module}:{node.lineno}")
    return where


def test_no_two_types_share_a_name() -> None:
    shared = {name: places for name, places in type_names().items() if len(places) > 1}
    assert shared == {}


def test_the_scan_sees_classes_and_aliases() -> None:
    names = type_names()
    assert names["SyncdError"] == ["syncd/core/errors.py:" + names["SyncdError"][0].split(":")[1]]
    assert "VisitKindCode" in names and "Clock" in names


def test_mapping_visit_literals_are_the_records_vocabulary() -> None:
    """The mapping language spells the visit kinds and states as the records' enums do."""
    assert get_args(VisitKindCode) == VISIT_KINDS
    assert get_args(VisitStateCode) == VISIT_STATES
