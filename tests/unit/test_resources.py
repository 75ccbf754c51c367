"""The shipped files are found from a checkout (and, in a wheel, in the package); ``syncd init``
copies them and never overwrites a file the operator changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from syncd import resources
from syncd.cli.init import summary


def test_shipped_mappings_and_sql_are_found() -> None:
    assert (resources.shipped_mappings() / "inpatient" / "ip_admission.yaml").is_file()
    assert (resources.shipped("sql") / "oracle" / "schema.sql").is_file()


def test_an_unknown_folder_is_a_clear_error() -> None:
    with pytest.raises(FileNotFoundError, match="without its 'nothing' folder"):
        resources.shipped("nothing")


def test_init_writes_every_shipped_file_and_a_unit_for_where_it_is(tmp_path: Path) -> None:
    folder, syncd = tmp_path / "conf", tmp_path / "venv" / "bin" / "syncd"
    report = resources.init_folder(folder, syncd)
    shipped = {
        "syncd.yaml",
        "syncd.service",
        "README.md",
        "mappings/inpatient/ip_fee.yaml",
        "sql/postgresql/schema.sql",
        "sql/grants/oracle.sql",
    }
    assert shipped <= set(report.written)
    assert not (report.updated or report.unchanged or report.kept or report.dropped)
    example = resources.shipped("syncd.example.yaml").read_text(encoding="utf-8")
    assert (folder / "syncd.yaml").read_text(encoding="utf-8") == example
    unit = (folder / "syncd.service").read_text(encoding="utf-8")
    assert f"ExecStart={syncd} run" in unit and f"SYNCD_CONFIG={folder}/syncd.yaml" in unit
    assert "/opt/syncd" not in unit and "/etc/syncd/" not in unit


def test_init_again_leaves_the_operators_changes_alone_and_updates_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "syncd"
    resources.init_folder(folder)
    (folder / "syncd.yaml").write_text("hospital: {akb020: H1}\n", encoding="utf-8")
    (folder / "mappings" / "inpatient" / "ip_fee.yaml").unlink()
    admission = folder / "mappings" / "inpatient" / "ip_admission.yaml"
    older = b"# the shipped file of an earlier version\n"
    admission.write_bytes(older)  # as an earlier init wrote it: recorded, nobody changed it
    _record(folder, "mappings/inpatient/ip_admission.yaml", older)
    _record(folder, "mappings/gone.yaml", b"no longer shipped")
    report = resources.init_folder(folder)
    assert report.kept == ["syncd.yaml"] and report.dropped == ["mappings/gone.yaml"]
    assert report.written == ["mappings/inpatient/ip_fee.yaml"]
    assert report.updated == ["mappings/inpatient/ip_admission.yaml"]
    assert (folder / "syncd.yaml").read_text(encoding="utf-8") == "hospital: {akb020: H1}\n"
    assert (
        admission.read_bytes()
        == (resources.shipped_mappings() / "inpatient" / "ip_admission.yaml").read_bytes()
    )
    again = resources.init_folder(folder)  # still the operator's, however often init runs
    assert again.kept == ["syncd.yaml"] and not again.written and not again.updated


def test_init_without_its_record_takes_every_existing_file_for_the_operators(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "syncd"
    resources.init_folder(folder)
    (folder / "README.md").write_text("notes\n", encoding="utf-8")
    (folder / resources.MANIFEST).write_text("not json", encoding="utf-8")
    report = resources.init_folder(folder)
    assert report.kept == ["README.md"] and not report.written and not report.updated
    assert (folder / "README.md").read_text(encoding="utf-8") == "notes\n"


def test_init_summary_names_the_files_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "syncd"
    resources.init_folder(folder)
    (folder / "syncd.yaml").write_text("changed\n", encoding="utf-8")
    text = summary(resources.init_folder(folder))
    assert text.splitlines()[1:] == [
        "已被修改或不是 syncd init 写的文件，保留未动 / left alone (changed by you or not written "
        "by syncd init):",
        "  syncd.yaml",
    ]


def _record(folder: Path, name: str, data: bytes) -> None:
    manifest = folder / resources.MANIFEST
    document = json.loads(manifest.read_text(encoding="utf-8"))
    document["files"][name] = hashlib.sha256(data).hexdigest()
    manifest.write_text(json.dumps(document), encoding="utf-8")
