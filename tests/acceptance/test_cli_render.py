"""``syncd render FEED KEY [--raw] [--mask]`` in a subprocess on a seeded SQLite reference HIS."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SYNCD = shutil.which("syncd") or str(Path(sys.executable).with_name("syncd"))
REPO = Path(__file__).resolve().parents[2]
ID_NUMBER, NAME = "440106198503124219", "张伟明"  # synthetic person 1000010001 (张伟明)
STAY, BAD_VISIT = "ZY261125001", "MZ261125003"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    return subprocess.run(
        list(args), capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def his(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with syncd.yaml and a seeded reference HIS with the staging tables."""
    folder = tmp_path_factory.mktemp("render")
    db = folder / "his.db"
    (folder / "syncd.yaml").write_text(
        "hospital: {akb020: SS0001, name: 示例医院}\n"
        f"database: {{url: 'sqlite:///{db}'}}\n"
        "platform: {userid: SS0001}\n"
        f"folders: {{mappings: '{REPO / 'mappings'}'}}\n",
        encoding="utf-8",
    )
    seeding = run(
        sys.executable,
        "-m",
        "syncd.reference",
        "--url",
        f"sqlite:///{db}",
        "--day",
        "2026-11-25",
        cwd=folder,
    )
    assert seeding.returncode == 0, seeding.stderr
    init = run(SYNCD, "--config", "syncd.yaml", "init-db", cwd=folder)
    assert init.returncode == 0, init.stderr
    return folder


def render(his: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(SYNCD, "--config", "syncd.yaml", "render", *args, cwd=his)


def test_render_prints_the_xml_of_a_row_and_notes_the_missing_aaz218(his: Path) -> None:
    """病案首页 of 张伟明: the XML carries his ID number; aaz218 is marked as not yet known."""
    result = render(his, "mr_patient", STAY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("<?xml") == 1
    assert "<function_id>bizh200101</function_id>" in result.stdout
    assert f"<aac002>{ID_NUMBER}</aac002>" in result.stdout
    assert f"<aac003>{NAME}</aac003>" in result.stdout
    assert "<aaz218>(待登记)</aaz218>" in result.stdout
    assert "没有就医登记号 aaz218" in result.stderr


def test_render_mask_hides_id_numbers_and_names(his: Path) -> None:
    """--mask: the ID number and the name are absent from the output."""
    result = render(his, "mr_patient", STAY, "--mask")
    assert result.returncode == 0, result.stderr
    assert ID_NUMBER not in result.stdout + result.stderr
    assert NAME not in result.stdout + result.stderr
    assert "<aac002>4401**********4219</aac002>" in result.stdout
    assert "<aac003>张*明</aac003>" in result.stdout


def test_render_indents_by_default_and_raw_prints_each_document_as_sent(his: Path) -> None:
    """Indented for reading; --raw is one line per document; they differ in whitespace only."""
    pretty, raw = render(his, "mr_patient", STAY), render(his, "mr_patient", STAY, "--raw")
    assert pretty.returncode == 0 and raw.returncode == 0, pretty.stderr + raw.stderr
    comment, sent = raw.stdout.splitlines()
    assert comment.startswith("<!-- syncd render: mr_patient bizh200101")
    assert sent.startswith("<?xml") and sent.endswith("</program>")
    lines = pretty.stdout.splitlines()
    assert lines[:3] == [comment, '<?xml version="1.0" encoding="utf-8"?>', "<program>"]
    assert f"  <aac002>{ID_NUMBER}</aac002>" in lines
    assert re.sub(r">\s+<", "><", "".join(lines[1:])) == sent


def test_render_mask_also_hides_telephone_numbers_and_addresses(his: Path) -> None:
    """张伟明's telephone numbers and addresses (病案首页) are cut to their first characters."""
    plain = render(his, "mr_patient", STAY)
    masked = render(his, "mr_patient", STAY, "--mask")
    secrets = ("13800000001", "13900000001", "广东省广州市海珠区示例路1号", "广州市示例工业园")
    assert all(secret in plain.stdout for secret in secrets)
    assert not [secret for secret in secrets if secret in masked.stdout]
    assert "  <yzy090>138****0001</yzy090>" in masked.stdout.splitlines()


def test_render_of_a_command_reads_the_request_row(his: Path) -> None:
    """A WI_REQUEST op_person by ID number: rendered from its parameters; masked on request."""
    with sqlite3.connect(his / "his.db") as conn:
        cursor = conn.execute(
            "INSERT INTO wi_request (command, params_json) VALUES (?, ?)",
            ("op_person", json.dumps({"bka895": "aac002", "bka896": ID_NUMBER})),
        )
        request_id = str(cursor.lastrowid)
    plain = render(his, "op_person", request_id)
    assert plain.returncode == 0, plain.stderr
    assert f"<bka896>{ID_NUMBER}</bka896>" in plain.stdout
    masked = render(his, "op_person", request_id, "--mask")
    assert ID_NUMBER not in masked.stdout


def test_render_of_a_big_stay_prints_one_document_per_batch(his: Path) -> None:
    """319 fee rows of one stay: two calls of at most 300 rows."""
    fee_id = str(261125 * 1_000_000 + 1)
    result = render(his, "ip_fee", fee_id)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("<!-- syncd render: ip_fee bizh120002 call") == 2
    assert result.stdout.count("<row>") == 319


def test_render_of_a_bad_row_prints_the_chinese_reason_and_exits_1(his: Path) -> None:
    """黄小明 has no 电脑号: no XML, the field and its Chinese reason instead."""
    result = render(his, "op_registration", BAD_VISIT)
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"op_registration {BAD_VISIT} aac001: 缺少必填项：电脑号(aac001)" in result.stderr


def test_render_of_an_unknown_feed_suggests_the_near_one(his: Path) -> None:
    result = render(his, "ip_admision", STAY)
    assert result.returncode == 2
    assert "did you mean 'ip_admission'?" in result.stderr


def test_render_of_a_row_that_is_not_there_says_so_and_exits_4(his: Path) -> None:
    result = render(his, "mr_patient", "ZY000000000")
    assert result.returncode == 4 and result.stdout == ""
    assert "V_WI_MR_PATIENT 中没有 STAY_NO = ZY000000000 的行 / V_WI_MR_PATIENT has no row" in (
        result.stderr
    )
