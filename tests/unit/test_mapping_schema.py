"""The JSON Schema of mapping files: stored copy in step with the models, usable by editors."""

from __future__ import annotations

import json
from pathlib import Path

from syncd.mapping.schema import BUILD_COMMAND, SCHEMA_FILE, mapping_schema, schema_text

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "tests" / "data" / "mappings" / "valid"


def test_stored_schema_matches_the_models() -> None:
    stored = (ROOT / SCHEMA_FILE).read_text(encoding="utf-8")
    assert stored == schema_text(), f"{SCHEMA_FILE} is out of date: run {BUILD_COMMAND}"


def test_schema_forbids_unknown_keys_and_lists_the_building_blocks() -> None:
    schema = mapping_schema()
    rule = schema["$defs"]["FieldRule"]
    assert rule["additionalProperties"] is False
    assert {
        "column",
        "const",
        "setting",
        "visit",
        "param",
        "concat",
        "codes",
        "codes_table",
        "date",
        "decimal",
        "sign",
        "default",
        "required",
        "max_length",
        "trim",
        "transform",
    } <= set(rule["properties"])
    assert "upper" in rule["properties"]["transform"]["anyOf"][0]["enum"]
    assert schema["$defs"]["DatasetSpec"]["properties"]["max_rows"]["maximum"] == 300
    assert "feed" not in schema["properties"]
    json.dumps(schema)


def test_example_files_point_editors_at_the_schema() -> None:
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), path
        assert (path.parent / first[len(prefix) :]).resolve() == ROOT / SCHEMA_FILE, path
