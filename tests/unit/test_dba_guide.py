"""docs/dba-guide.md: its view contract matches the shipped mappings, every view is in it, and
the README links the guide."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from mapping_folders import feeds_in

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "dba-guide.md"


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "view_contract", ROOT / "tools" / "view_contract.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_view_contract_is_in_step_with_the_shipped_mappings() -> None:
    assert tool().main(["--check"]) == 0, "run .venv/bin/python tools/view_contract.py"


def test_every_view_the_mappings_read_has_a_contract_with_its_columns() -> None:
    feeds = feeds_in(ROOT / "mappings")
    text = GUIDE.read_text(encoding="utf-8")
    views = {s.source.view for s in feeds.values() if s.source.view}
    views |= {d.view for s in feeds.values() for d in s.datasets.values() if d.view}
    headed = set(re.findall(r"^#### `(V_WI_\w+)`", text, re.M))
    assert views == headed
    section = text.split("#### `V_WI_IP_FEE`")[1].split("####")[0]
    assert "| `FEE_ID` |" in section and "| `STAY_NO` |" in section and "| `AMOUNT` |" in section


def test_the_readme_links_the_guide_and_its_chapter_on_a_foreign_his() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/dba-guide.md)" in readme
    text = GUIDE.read_text(encoding="utf-8")
    for heading in ("## 接入一家外院 HIS", "### 第 4 步：人员信息查询", "### 视图契约"):
        assert heading in text
    assert "sql/examples/pinyin" in text and "tests/acceptance/test_pinyin_his.py" in text
