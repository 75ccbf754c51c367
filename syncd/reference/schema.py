"""The reference HIS schema: the tables a typical Chinese HIS keeps, as SQLAlchemy metadata.

Naming (documented for DBAs in ``sql/examples/README.md``): tables ``HIS_*``, columns upper
case English abbreviations (``PAT_NAME`` 姓名, ``ID_NO`` 身份证号, ``AAC001`` 电脑号).  Every
name is emitted *unquoted* (``quote=False``), so each database folds it its own way and the
view SQL in :mod:`syncd.reference.view_sql` (also unquoted) finds it everywhere: Oracle keeps
``HIS_PATIENT``, PostgreSQL folds to ``his_patient``, MySQL/MariaDB keep the case as written
(table names are case-sensitive there, so always write them upper case).

Flags are ``CHAR(1)`` ``'0'``/``'1'``; money ``NUMERIC(12,2)``, prices ``NUMERIC(12,4)``,
quantities ``NUMERIC(10,2)``; refunds are negative fee rows pointing at the refunded row.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

RefCol = sa.Column[Any]
_MYSQL: dict[str, Any] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}
MONEY = sa.Numeric(12, 2)
PRICE = sa.Numeric(12, 4)
QTY = sa.Numeric(10, 2)
# SQLite keeps timestamps as text: store them without microseconds ("2026-11-25 08:30:00"),
# the form any reader of the views (and the mapping's date parser) understands.
TIMESTAMP = sa.DateTime().with_variant(
    sqlite.DATETIME(  # type: ignore[no-untyped-call]
        storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d",
        regexp=r"(\d+)-(\d+)-(\d+) (\d+):(\d+):(\d+)",
    ),
    "sqlite",
)


def _c(name: str, type_: Any, *, pk: bool = False, null: bool = True) -> RefCol:
    return sa.Column(name, type_, primary_key=pk, nullable=null and not pk, quote=False)


def _s(name: str, length: int, *, pk: bool = False, null: bool = True) -> RefCol:
    """Unicode text (NVARCHAR on SQL Server, NVARCHAR2 on Oracle): Chinese round-trips."""
    return _c(name, sa.Unicode(length), pk=pk, null=null)


def _flag(name: str) -> RefCol:
    return sa.Column(name, sa.CHAR(1), nullable=False, server_default=sa.text("'0'"), quote=False)


def _table(metadata: sa.MetaData, name: str, comment: str, *cols: Any) -> sa.Table:
    return sa.Table(name, metadata, *cols, quote=False, comment=comment, **_MYSQL)


def _ix(name: str, *cols: str) -> sa.Index:
    return sa.Index(name, *cols, quote=False)


def build_metadata() -> sa.MetaData:
    """A fresh MetaData holding every reference table."""
    metadata = sa.MetaData()
    for build in (_base, _people, _outpatient, _inpatient, _records, _settlement):
        build(metadata)
    return metadata


def _base(m: sa.MetaData) -> None:
    _table(
        m,
        "HIS_DEPT",
        "科室",
        _s("DEPT_CODE", 10, pk=True),
        _s("DEPT_NAME", 50, null=False),
        _s("STD_DEPT_CODE", 10),
    )
    _table(
        m,
        "HIS_WARD",
        "病区",
        _s("WARD_CODE", 10, pk=True),
        _s("WARD_NAME", 50, null=False),
        _s("DEPT_CODE", 10),
        _s("ROOM_NAME", 20),
    )
    _table(
        m,
        "HIS_STAFF",
        "职工（医生、护士、收费员、登记员）",
        _s("STAFF_NO", 10, pk=True),
        _s("STAFF_NAME", 30, null=False),
        _s("DEPT_CODE", 10),
        _s("ROLE", 4),
        _s("TITLE", 20),
    )


def _people(m: sa.MetaData) -> None:
    _table(
        m,
        "HIS_PATIENT",
        "病人基本信息",
        _s("PATIENT_ID", 20, pk=True),
        _s("PAT_NAME", 50, null=False),
        _s("SEX", 1),
        _c("BIRTH_DATE", sa.Date()),
        _s("ID_TYPE", 2),
        _s("ID_NO", 18),
        _s("AAC001", 20),
        _s("SSCARD_NO", 20),
        _s("NATIONALITY", 3),
        _s("NATION", 2),
        _s("MARITAL", 1),
        _s("OCCUPATION", 20),
        _s("BIRTH_PLACE", 100),
        _s("ADDRESS", 100),
        _s("PHONE", 20),
        _s("EMPLOYER", 100),
        _s("EMPLOYER_ADDR", 100),
        _s("CONTACT_NAME", 50),
        _s("CONTACT_REL", 10),
        _s("CONTACT_PHONE", 20),
        _s("INSURED_AREA", 6),
        _s("HEALTH_CARD_NO", 30),
        _ix("HIS_PATIENT_IX_AAC001", "AAC001"),
    )


def _outpatient(m: sa.MetaData) -> None:
    _table(
        m,
        "HIS_OP_VISIT",
        "门诊挂号/就诊",
        _s("VISIT_NO", 20, pk=True),
        _s("PATIENT_ID", 20, null=False),
        _c("VISIT_TIME", TIMESTAMP, null=False),
        _s("DEPT_CODE", 10),
        _s("DOCTOR_NO", 10),
        _s("CLERK_NO", 10),
        _flag("IS_WORK_INJURY"),
        _s("INJURY_NO", 30),
        _s("APPLY_NO", 30),
        _s("DIAG_CODE", 20),
        _s("DIAG_NAME", 100),
        _flag("CANCELLED"),
        _c("UPDATED_AT", TIMESTAMP, null=False),
        _ix("HIS_OP_VISIT_IX_PATIENT", "PATIENT_ID"),
    )
    _table(
        m,
        "HIS_OP_FEE",
        "门诊收费明细（退费为负数行，REFUND_OF 指向原行）",
        _c("FEE_ID", sa.BigInteger(), pk=True),
        _s("VISIT_NO", 20, null=False),
        _s("CHARGE_NO", 20, null=False),
        *_fee_columns(),
        _c("REFUND_OF", sa.BigInteger()),
        _ix("HIS_OP_FEE_IX_CHARGE", "CHARGE_NO"),
        _ix("HIS_OP_FEE_IX_VISIT", "VISIT_NO"),
    )


def _fee_columns() -> list[RefCol]:
    """Columns every fee row has (outpatient and inpatient)."""
    return [
        _s("ITEM_CODE", 20, null=False),
        _s("ITEM_NAME", 100, null=False),
        _s("ITEM_CLASS", 2),
        _s("DOSAGE_FORM", 20),
        _s("MAKER", 100),
        _s("SPEC", 50),
        _s("UNIT", 10),
        _c("PRICE", PRICE, null=False),
        _c("QTY", QTY, null=False),
        _c("AMOUNT", MONEY, null=False),
        _c("FEE_TIME", TIMESTAMP, null=False),
        _s("RECIPE_NO", 20),
        _s("DOCTOR_NO", 10),
        _s("DEPT_CODE", 10),
        _s("OPERATOR_NO", 10),
        _flag("LIMITED_FLAG"),
        _flag("LIMIT_MET"),
    ]


def _inpatient(m: sa.MetaData) -> None:
    _table(
        m,
        "HIS_IP_STAY",
        "住院登记（入院、出院）",
        _s("STAY_NO", 20, pk=True),
        _s("INPATIENT_NO", 20, null=False),
        _s("PATIENT_ID", 20, null=False),
        _c("TIMES", sa.Integer()),
        _c("ADMIT_TIME", TIMESTAMP, null=False),
        _s("DEPT_CODE", 10),
        _s("WARD_CODE", 10),
        _s("BED_NO", 10),
        _s("DOCTOR_NO", 10),
        _s("CLERK_NO", 10),
        _flag("IS_WORK_INJURY"),
        _s("INJURY_NO", 30),
        _s("ADMIT_REASON", 1),
        _s("ADMIT_WAY", 1),
        _s("ADMIT_COND", 1),
        _s("ADMIT_DIAG_CODE", 20),
        _s("ADMIT_DIAG_NAME", 100),
        _s("OP_DIAG_CODE", 20),
        _s("OP_DIAG_NAME", 100),
        _s("OP_DOCTOR_NO", 10),
        _c("DISCHARGE_TIME", TIMESTAMP),
        _s("DISCHARGE_CLERK_NO", 10),
        _s("DISCHARGE_DIAG_CODE", 20),
        _s("DISCHARGE_DIAG_NAME", 100),
        _s("OUTCOME", 2),
        _s("BLOOD_TYPE", 1),
        _s("RH", 1),
        _c("RESCUE_COUNT", sa.Integer()),
        _c("RESCUE_OK_COUNT", sa.Integer()),
        _s("LEAVE_WAY", 1),
        _s("ALLERGY", 100),
        _s("CHIEF_NO", 10),
        _s("ATTENDING_NO", 10),
        _s("RESIDENT_NO", 10),
        _s("NURSE_NO", 10),
        _s("CODER_NO", 10),
        _s("QUALITY", 1),
        _c("QC_DATE", sa.Date()),
        _flag("CANCELLED"),
        _c("UPDATED_AT", TIMESTAMP, null=False),
        _ix("HIS_IP_STAY_IX_PATIENT", "PATIENT_ID"),
    )
    _table(
        m,
        "HIS_IP_FEE",
        "住院费用明细（退费为负数行；ILLNESS_FLAG=1 因病）",
        _c("FEE_ID", sa.BigInteger(), pk=True),
        _s("STAY_NO", 20, null=False),
        _c("FEE_SEQ", sa.Integer(), null=False),
        *_fee_columns(),
        _s("ENTRY_NO", 10),
        _flag("ILLNESS_FLAG"),
        _flag("ILLNESS_LATE"),
        _c("REFUND_OF", sa.BigInteger()),
        _ix("HIS_IP_FEE_IX_STAY", "STAY_NO", "FEE_SEQ"),
    )
    _table(
        m,
        "HIS_IP_CHANGE",
        "住院登记变更日志（转科、转床、改住院号）",
        _c("CHANGE_ID", sa.BigInteger(), pk=True),
        _s("STAY_NO", 20, null=False),
        _c("CHANGE_TIME", TIMESTAMP, null=False),
        _s("DEPT_CODE", 10),
        _s("WARD_CODE", 10),
        _s("BED_NO", 10),
        _s("INPATIENT_NO", 20),
        _s("DOCTOR_NO", 10),
        _s("OPERATOR_NO", 10),
    )


def _records(m: sa.MetaData) -> None:
    _table(
        m,
        "HIS_DIAGNOSIS",
        "出院诊断（病案首页）",
        _c("DIAG_ID", sa.BigInteger(), pk=True),
        _s("STAY_NO", 20, null=False),
        _c("DIAG_SEQ", sa.Integer(), null=False),
        _s("DIAG_TYPE", 2),
        _s("DIAG_CODE", 20),
        _s("DIAG_NAME", 100),
        _s("ADMIT_COND", 1),
    )
    _table(
        m,
        "HIS_OPERATION",
        "手术记录",
        _c("OPER_ID", sa.BigInteger(), pk=True),
        _s("STAY_NO", 20, null=False),
        _c("OPER_SEQ", sa.Integer(), null=False),
        _s("OPER_CODE", 20),
        _s("OPER_NAME", 100),
        _c("OPER_DATE", sa.Date()),
        _s("INCISION", 1),
        _s("HEALING", 1),
        _s("SURGEON_NO", 10),
        _s("ASSIST1_NO", 10),
        _s("ASSIST2_NO", 10),
        _s("ANES_WAY", 2),
        _s("ANES_NAME", 20),
        _s("ANES_DOCTOR_NO", 10),
        _s("OPER_LEVEL", 1),
        _flag("ELECTIVE"),
    )
    _table(
        m,
        "HIS_BIRTH",
        "产科分娩婴儿",
        _c("BIRTH_ID", sa.BigInteger(), pk=True),
        _s("STAY_NO", 20, null=False),
        _c("BABY_SEQ", sa.Integer(), null=False),
        _s("BABY_SEX", 1),
        _c("BIRTH_WEIGHT", sa.Integer()),
        _s("BIRTH_RESULT", 1),
        _s("BABY_OUTCOME", 1),
        _c("RESCUE_OK_COUNT", sa.Integer()),
        _s("BREATH", 1),
    )
    _table(
        m,
        "HIS_TUMOUR",
        "肿瘤专科治疗（放疗、化疗方式）",
        _s("STAY_NO", 20, pk=True),
        _s("RT_WAY", 1),
        _s("RT_PROGRAM", 1),
        _s("RT_DEVICE", 1),
        _s("PRIMARY_DOSE", 20),
        _c("PRIMARY_TIMES", sa.Integer()),
        _c("PRIMARY_DAYS", sa.Integer()),
        _c("PRIMARY_START", sa.Date()),
        _c("PRIMARY_END", sa.Date()),
        _s("CHEMO_WAY", 1),
        _s("CHEMO_METHOD", 1),
    )
    _table(
        m,
        "HIS_CHEMO",
        "化疗记录",
        _c("CHEMO_ID", sa.BigInteger(), pk=True),
        _s("STAY_NO", 20, null=False),
        _c("CHEMO_SEQ", sa.Integer(), null=False),
        _c("CHEMO_DATE", sa.Date()),
        _s("DRUG_DOSE", 200),
        _s("COURSE", 20),
        _s("EFFECT", 1),
    )
    _table(
        m,
        "HIS_DISCHARGE_SUMMARY",
        "出院小结",
        _s("STAY_NO", 20, pk=True),
        _s("ADMIT_DIAG", 200),
        _s("DISCHARGE_DIAG", 200),
        _s("SYMPTOMS", 1000),
        _s("TREATMENT", 2000),
        _s("DISCHARGE_STATUS", 1000),
        _s("ADVICE", 1000),
        _s("DOCTOR_NO", 10),
        _c("WRITTEN_AT", TIMESTAMP),
    )


def _settlement(m: sa.MetaData) -> None:
    _table(
        m,
        "HIS_SETTLEMENT",
        "医院端工伤结算记录（夜间对账用）",
        _c("SETTLE_ID", sa.BigInteger(), pk=True),
        _s("VISIT_KIND", 1, null=False),
        _s("VISIT_NO", 20, null=False),
        _s("AAZ218", 30),
        _c("BKA001", sa.Integer()),
        _c("AKC264", MONEY),
        _c("BKA831", MONEY),
        _c("BKA832", MONEY),
        _c("AKE039", MONEY),
        _c("SETTLE_TIME", TIMESTAMP, null=False),
        _flag("CANCELLED"),
        _s("OPERATOR_NO", 10),
        _ix("HIS_SETTLEMENT_IX_TIME", "SETTLE_TIME"),
    )
