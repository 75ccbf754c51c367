"""Which person look-ups a row needs (pure): the keys its ``person:`` rules ask by.

The engine asks the platform (110001 / 120001) for each key it has no fresh answer for, keeps
the answers in the person table and renders the row with them
(:attr:`~syncd.mapping.engine.RenderContext.persons`); a rule whose key is still unanswered
raises :class:`~syncd.core.errors.PersonPending` and the row waits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from syncd.core.errors import FieldFailed
from syncd.core.records import PersonKey
from syncd.mapping.engine import RenderContext
from syncd.mapping.fieldvalue import person_key
from syncd.mapping.rules import FieldRule
from syncd.mapping.spec import FeedSpec


def person_rules(spec: FeedSpec) -> Iterator[tuple[str, FieldRule]]:
    """Every ``person`` rule of the feed (nested in ``first``/``concat`` too), by field code."""
    for code, rule in _top(spec).items():
        yield from _walk(code, rule)


def needs_persons(spec: FeedSpec) -> bool:
    return next(person_rules(spec), None) is not None


def person_keys(
    spec: FeedSpec, row: Mapping[str, object], context: RenderContext
) -> frozenset[PersonKey]:
    """The look-up keys ``row`` asks by; a key the row cannot give (empty, or its own rule
    fails) is left out — rendering the row then says what is wrong with it."""
    scope = context.scope(row)
    keys = set()
    for code, rule in person_rules(spec):
        try:
            key = person_key(rule, scope, code)
        except FieldFailed:
            continue
        if key is not None:
            keys.add(key)
    return frozenset(keys)


def _top(spec: FeedSpec) -> Mapping[str, FieldRule]:
    """The fields a row itself fills: the call's, and a batch feed's per-row fields."""
    if spec.batch is None:
        return spec.fields
    rows = {f"{spec.batch.dataset}.{code}": rule for code, rule in spec.batch.fields.items()}
    return {**spec.fields, **rows}


def _walk(code: str, rule: FieldRule) -> Iterator[tuple[str, FieldRule]]:
    if rule.person is not None:
        yield code, rule
        return
    for part in rule.parts:
        yield from _walk(code, part)
