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


LOOKUP_FUNCTIONS = {"OUTPATIENT": "bizh110001", "INPATIENT": "bizh120001"}
_KIND_OF_GROUP = {"bizh11": "OUTPATIENT", "bizh12": "INPATIENT"}


def lookup_function(spec: FeedSpec) -> str:
    """The look-up a feed's ``person:`` rules are answered by: 110001 for an outpatient feed,
    120001 for an inpatient one (its ``requires.visit.kind``, else its function's group)."""
    need = spec.requires.visit
    kind = need.kind if need else _KIND_OF_GROUP.get(spec.function[:6], "")
    return LOOKUP_FUNCTIONS.get(kind, "")


def lookup_feed(spec: FeedSpec, feeds: Mapping[str, FeedSpec]) -> str | None:
    """The command feed whose mapping renders ``spec``'s look-up (op_person, ip_person)."""
    function = lookup_function(spec)
    found = (n for n, f in sorted(feeds.items()) if f.source.is_command and f.function == function)
    return next(found, None) if function else None


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
