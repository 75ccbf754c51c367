"""docs/platform-fields.md: all 30 transactions, and its syncd column matches the mappings."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "platform_fields", ROOT / "tools" / "platform_fields.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_document_covers_the_30_transactions_with_sources() -> None:
    text = (ROOT / "docs" / "platform-fields.md").read_text(encoding="utf-8")
    headings = re.findall(r"^### (\S+) ", text, re.M)
    assert len(headings) == len(set(headings)) == 30
    assert {"sys0001", "bizh110104", "bizh120002", "bizh200101", "illness_late_upload"} <= set(
        headings
    )
    assert "GSSB.cs:456" in text and "ZsrmSgsMapper.xml:67" in text  # bka021 of 110104


def test_syncd_column_is_in_step_with_the_shipped_mappings() -> None:
    module = tool()
    text = module.DOC.read_text(encoding="utf-8")
    new, problems = module.refreshed(text, module.MAPPINGS)
    assert problems == []
    assert new == text, "docs/platform-fields.md is out of date: run tools/platform_fields.py"


def test_a_changed_or_new_mapping_field_is_caught(tmp_path: Path) -> None:
    module = tool()
    folder = tmp_path / "mappings"
    shutil.copytree(module.MAPPINGS, folder)
    presettle = folder / "inpatient" / "ip_presettle.yaml"
    text = presettle.read_text(encoding="utf-8").replace('default: "1"}', 'default: "2"}')
    text = text.replace(
        "  aaz218: {visit: aaz218}\n", '  aaz218: {visit: aaz218}\n  bka006: {const: "420"}\n'
    )
    presettle.write_text(text, encoding="utf-8")
    text = module.DOC.read_text(encoding="utf-8")
    new, problems = module.refreshed(text, folder)
    assert new != text and 'default: "2"}' in new
    assert problems == ["feed 'ip_presettle': no row for bka006"]
