"""The live check: every view and column the shipped mappings read exists in the reference HIS,
and a broken copy is reported with file:line:column and a "did you mean"."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from syncd.db.ddl import dialect_named
from syncd.db.mapping_check import live_problems
from syncd.db.views import ViewInfo, ViewReader, select_statement
from syncd.reference import seed
from tests.integration.mappings_support import DAY, MAPPINGS


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def engine(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    created = sa.create_engine(str(request.getfixturevalue(f"{request.param}_url")))
    seed(created, day=DAY)
    yield created
    created.dispose()


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, folder)
    return folder


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_shipped_mappings_read_only_views_and_columns_that_exist(engine: sa.Engine) -> None:
    """The reference views carry every column of every shipped mapping, on each database."""
    assert live_problems(MAPPINGS, ViewReader(engine)) == []


def test_a_misspelt_column_is_reported_at_its_position_with_a_suggestion(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """ITEM_NAM in ip_fee (batch field) and DIAG_SEQQ in mr_diagnosis (dataset order_by)."""
    folder = _copy(tmp_path)
    fee, diagnosis = folder / "inpatient/ip_fee.yaml", folder / "medical_record/mr_diagnosis.yaml"
    _replace(fee, "{column: ITEM_NAME,", "{column: ITEM_NAM,")
    _replace(diagnosis, "order_by: [DIAG_SEQ]", "order_by: [DIAG_SEQQ]")
    problems = live_problems(folder, ViewReader(engine))
    assert [(p.file, p.line) for p in problems] == [
        (str(fee), _line_of(fee, "ITEM_NAM,")),
        (str(diagnosis), _line_of(diagnosis, "DIAG_SEQQ")),
    ]
    assert problems[0].column > 1
    assert "'ITEM_NAM' is not in view V_WI_IP_FEE" in problems[0].message
    assert problems[0].hint.endswith(" / did you mean 'ITEM_NAME'?")
    assert problems[1].hint.endswith(" / did you mean 'DIAG_SEQ'?")


def test_a_column_renamed_in_the_view_is_reported_for_every_mapping_reading_it(
    engine: sa.Engine,
) -> None:
    """The DBA renames V_WI_MR_SUMMARY.DOCTOR_NAME: mr_summary reports it, nothing else."""
    with engine.begin() as conn:
        conn.execute(sa.text("DROP VIEW V_WI_MR_SUMMARY"))
        conn.execute(
            sa.text(
                "CREATE VIEW V_WI_MR_SUMMARY AS SELECT S.STAY_NO AS STAY_NO, "
                "P.INSURED_AREA AS INSURED_AREA, P.ID_TYPE AS ID_TYPE, P.ID_NO AS ID_NO, "
                "M.ADMIT_DIAG AS ADMIT_DIAG, M.DISCHARGE_DIAG AS DISCHARGE_DIAG, "
                "M.SYMPTOMS AS SYMPTOMS, M.TREATMENT AS TREATMENT, "
                "M.DISCHARGE_STATUS AS DISCHARGE_STATUS, M.ADVICE AS ADVICE, "
                "M.DOCTOR_NO AS DOCTOR_NO, M.DOCTOR_NO AS DOCTOR_NAMES "
                "FROM HIS_DISCHARGE_SUMMARY M JOIN HIS_IP_STAY S ON S.STAY_NO = M.STAY_NO "
                "JOIN HIS_PATIENT P ON P.PATIENT_ID = S.PATIENT_ID"
            )
        )
    (problem,) = live_problems(MAPPINGS, ViewReader(engine))
    summary = MAPPINGS / "medical_record" / "mr_summary.yaml"
    assert (problem.file, problem.line) == (str(summary), _line_of(summary, "DOCTOR_NAME"))
    assert problem.hint.endswith(" / did you mean 'DOCTOR_NAMES'?")


def test_a_missing_view_is_reported_once_not_for_each_of_its_columns(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """A misspelt view name: one problem at source.view with the near view name."""
    folder = _copy(tmp_path)
    birth = folder / "medical_record/mr_birth.yaml"
    _replace(birth, "view: V_WI_MR_BIRTH_STAY", "view: V_WI_MR_BRTH_STAY")
    (problem,) = live_problems(folder, ViewReader(engine))
    assert (problem.file, problem.line) == (str(birth), _line_of(birth, "V_WI_MR_BRTH_STAY"))
    assert "V_WI_MR_BRTH_STAY' does not exist" in problem.message
    assert problem.hint.endswith(" / did you mean 'V_WI_MR_BIRTH_STAY'?")


@pytest.mark.parametrize(
    ("dialect", "view", "expected"),
    [
        ("oracle", "v_wi_ip_fee", "FROM v_wi_ip_fee WHERE v_wi_ip_fee.stay_no = :stay_no_1"),
        ("mssql", "V_WI_IP_FEE", "FROM [V_WI_IP_FEE] WHERE [V_WI_IP_FEE].[STAY_NO] = :STAY_NO_1"),
    ],
)
def test_view_reads_compile_for_oracle_and_sql_server(
    dialect: str, view: str, expected: str
) -> None:
    """The SELECT of a view read, as each dialect spells the names its inspector reports."""
    columns = {name: sa.String() for name in ("FEE_ID", "STAY_NO", "FEE_SEQ")}
    if dialect == "oracle":  # Oracle's inspector reports case-insensitive names in lower case
        columns = {name.lower(): type_ for name, type_ in columns.items()}
    info = ViewInfo(view, None, columns)
    _, query = select_statement(info, ["FEE_ID"], {"STAY_NO": "ZY1"}, ["FEE_SEQ"])
    sql = " ".join(str(query.compile(dialect=dialect_named(dialect))).split())
    assert expected in sql
