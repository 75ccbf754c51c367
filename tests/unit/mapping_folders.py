"""Mapping folders the unit tests read, each loaded (and validated) once per test run.

Loading the shipped ``mappings/`` costs a few tenths of a second; several test modules read
the same folders.  The specs are frozen models; each caller gets its own dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType

from syncd.config.mappings import load_mappings
from syncd.mapping import FeedSpec
from syncd.protocol import catalogue

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "mappings"
ENGINE = ROOT / "tests" / "data" / "engine"
VALID = ROOT / "tests" / "data" / "mappings" / "valid"


@cache
def _loaded(folder: Path) -> Mapping[str, FeedSpec]:
    return MappingProxyType(load_mappings(folder, catalogue.load()))


def feeds_in(folder: Path) -> dict[str, FeedSpec]:
    """The feeds of ``folder`` with the default catalogue (a fresh dict of the shared specs)."""
    return dict(_loaded(folder.resolve()))
