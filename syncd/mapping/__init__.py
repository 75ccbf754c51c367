"""The mapping language (L1, pure): spec models, the engine, value transforms.

``spec.FeedSpec`` is one mapping file; ``engine.render(spec, row, context)`` turns a source row
into platform request(s).  Loading YAML files is :mod:`syncd.config.mappings` (L2).
"""

from __future__ import annotations

from syncd.mapping.engine import (
    BatchCall,
    BatchRendered,
    MappedCall,
    RenderContext,
    Rendered,
    render,
    render_batch,
    row_key,
)
from syncd.mapping.persons import lookup_feed, needs_persons, person_keys
from syncd.mapping.rules import FieldRule
from syncd.mapping.spec import DatasetSpec, FeedSpec

__all__ = [
    "BatchCall",
    "BatchRendered",
    "DatasetSpec",
    "FeedSpec",
    "FieldRule",
    "MappedCall",
    "RenderContext",
    "Rendered",
    "lookup_feed",
    "needs_persons",
    "person_keys",
    "render",
    "render_batch",
    "row_key",
]
