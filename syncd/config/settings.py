"""The settings tree: frozen pydantic models, unknown keys rejected.

Every key is documented in ``syncd.example.yaml`` and in the README.  Secrets (the platform
password, the database password) are *not* fields a YAML file may hold: they are attached by
:mod:`syncd.config.loader` from the environment, a file, or a systemd credential.  The sections
of watching syncd run (monitoring, alerts, console) are in :mod:`syncd.config.operations_settings`,
what every section shares in :mod:`syncd.config.sections`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import (
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from syncd.config.operations_settings import AlertSettings, ConsoleSettings, MonitoringSettings
from syncd.config.sections import HHMM, IDENTIFIER, PositiveSeconds, Section, bad_setting


class HospitalSettings(Section):
    """Who we are on the platform."""

    akb020: str = Field(min_length=1, max_length=20, description="医疗机构编码 (institution code)")
    name: str = Field(default="", description="akb021 医疗机构名称")
    aab299: str = Field(default="", description="就医地行政区划 (city code, e.g. 440300)")
    yab600: str = Field(default="", description="就医地分支机构")
    akb026: str = Field(default="", description="执业许可证登记号")


class DatabaseSettings(Section):
    """The HIS database syncd reads views from and writes staging tables into."""

    url: str = Field(min_length=1, description="SQLAlchemy URL without the password")
    password_file: Path | None = None
    table_prefix: str = "WI_"
    schema_name: str | None = None
    pool_size: int = Field(default=5, ge=1, le=50)
    pool_recycle_s: int = Field(default=1800, ge=60)
    connect_timeout_s: int = Field(default=10, ge=1, le=300)
    oracle_client_dir: Path | None = Field(
        default=None,
        description="Oracle Instant Client directory: python-oracledb Thick mode (Oracle 11.2)",
    )
    password: SecretStr | None = Field(default=None, exclude=True)

    @field_validator("oracle_client_dir")
    @classmethod
    def _client_dir_is_for_oracle(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        url = str(info.data.get("url", ""))
        if value is not None and url and not url.startswith("oracle"):
            raise bad_setting(
                "只用于 oracle+oracledb 的 database.url，请删除",
                "only applies to an oracle+oracledb database.url; remove it",
            )
        return value

    @field_validator("table_prefix")
    @classmethod
    def _prefix_is_identifier(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,9}", value):
            raise bad_setting(
                "须为 1-10 个字母、数字或 _，以字母开头",
                "must be 1-10 letters, digits or '_' starting with a letter",
            )
        return value

    @field_validator("schema_name")
    @classmethod
    def _schema_is_identifier(cls, value: str | None) -> str | None:
        if value is not None and not IDENTIFIER.match(value):
            raise bad_setting(
                "须为字母、数字或 _ 组成的名称", "must be a plain identifier (letters, digits, '_')"
            )
        return value


class FunctionIds(Section):
    """Function ids the spec marks as inferred or unknown: configurable per deployment."""

    settlement_slip: str = Field(default="bizh120206", description="结算信息提取 [inferred]")
    medical_record_patient: str = Field(default="bizh200101", description="病案首页 [inferred]")
    illness_late_upload: str | None = Field(
        default=None, description="伤病分离因病数据事后补传 [unknown]: must be set to use it"
    )


class PlatformSettings(Section):
    """The provincial work-injury platform (or the simulator)."""

    url: str = Field(
        default="http://127.0.0.1:8090/hygeia_esb_sj/api/call.action",
        pattern=r"^https?://",
    )
    test_environment: bool = Field(
        default=False,
        description="true only when url is the insurer's test environment (or the simulator): "
        "syncd jointtest runs against no other platform; never true in production settings",
    )
    userid: str = Field(min_length=1, description="login account (sys0001 userid)")
    password_file: Path | None = None
    connect_timeout_s: PositiveSeconds = 5.0
    read_timeout_s: PositiveSeconds = 120.0
    content_type: str = "text/xml; charset=UTF-8"
    xml_declaration: bool = True
    success_rule: Literal["exactly_one", "non_negative"] = "exactly_one"
    session_timezone: str = "Asia/Shanghai"
    fee_rows_per_call: int = Field(default=300, ge=1, le=300)
    max_reply_bytes: int = Field(
        default=4 * 1024 * 1024,
        ge=64 * 1024,
        le=256 * 1024 * 1024,
        description="a longer reply is not read on: the call's outcome is unknown",
    )
    figure_tolerance: Decimal = Field(
        default=Decimal("0.00"),
        ge=0,
        le=100,
        decimal_places=2,
        description="a settlement reply's figures off their §8.1 identities by more than this "
        "(yuan) are flagged; the call is concluded with the figures as returned either way",
    )
    send_inferred_fields: bool = Field(
        default=True, description="false: leave out the fields mappings mark 'inferred: true'"
    )
    function_ids: FunctionIds = FunctionIds()
    max_calls_per_s: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        description="at most this many calls per second (every feed and command together); "
        "null: no cap (the platform asked for none)",
    )
    password: SecretStr | None = Field(default=None, exclude=True)


class CitySettings(Section):
    """Provincial/city rules that differ between cities."""

    fee_delete_allowed: bool = Field(
        default=False, description="bizh120004 删除住院业务费用明细 offered in this city"
    )


class WatermarkSettings(Section):
    """Limit a feed's new-row scan to rows whose ``column`` is at least (highest seen −
    ``lookback``); late rows inside the window are still found by the anti-join, and a full
    scan every ``full_scan_s`` finds a row that committed later than the window.  Replaces
    the mapping's ``source.watermark``; ``column: null`` turns it off (every poll searches
    the whole view)."""

    column: str | None = Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,29}$",
        description="the growing column; null: no watermark (the whole view every poll)",
    )
    lookback: float = Field(default=3600.0, ge=0, description="seconds, or a count for ids")
    full_scan_s: float = Field(
        default=900.0, gt=0, description="seconds between full scans (no watermark limit)"
    )


class PollingSettings(Section):
    default_interval_s: PositiveSeconds = 10.0
    command_interval_s: PositiveSeconds = 0.05
    feed_intervals_s: dict[str, PositiveSeconds] = Field(default={})
    batch_size: int = Field(default=500, ge=1, le=10000)
    watermarks: dict[str, WatermarkSettings] = Field(
        default={}, description="feed name → optional watermark column and look-back window"
    )
    watermark_hint_rows: int = Field(
        default=100_000,
        ge=0,
        description="syncd check hints at a watermark for a fact view of more rows without "
        "one (0: no hint)",
    )
    full_scan_s: float = Field(
        default=900.0,
        gt=0,
        description="seconds between full searches of a view whose mapping names a watermark",
    )
    daily_login_at: str = "00:05"
    reconcile_at: str = "02:00"

    @field_validator("daily_login_at", "reconcile_at")
    @classmethod
    def _is_hhmm(cls, value: str) -> str:
        if not HHMM.match(value):
            raise bad_setting("须为时刻 HH:MM，如 02:00", "must be a time of day HH:MM, e.g. 02:00")
        return value


class DeliverySettings(Section):
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff_initial_s: PositiveSeconds = 5.0
    backoff_max_s: PositiveSeconds = 900.0
    backoff_jitter: float = Field(default=0.2, ge=0, le=1)
    lease_s: PositiveSeconds = 120.0
    stuck_after_s: PositiveSeconds = 1800.0
    zero_fee_wait_s: float = Field(
        default=1800.0,
        ge=0,
        le=86400,
        description="a fee call of only 0.00 items waits this long for a non-zero row of the "
        "visit to join it (its lost reply could not be told by the total); 0 = never waits",
    )
    max_in_flight: int = Field(
        default=4,
        ge=1,
        le=32,
        description="fact-view calls in flight at once, each for a different visit (the calls "
        "of one visit go one after the other); 1: one call at a time",
    )
    recheck_rejected_s: float = Field(
        default=60.0,
        ge=0,
        description="seconds between comparisons of a REJECTED row with what its HIS data maps "
        "to now; changed (the data was fixed) = sent again as a new attempt; 0 = never (only "
        "syncd retry --rejected)",
    )


STATE_DIRECTORY = Path("/var/lib/syncd")  # the unit's StateDirectory=syncd


class FolderSettings(Section):
    """Where syncd reads mappings and writes files.  Every folder syncd writes defaults under
    the unit's ``StateDirectory`` (``ProtectSystem=strict`` makes ``/etc`` read-only to it) and
    is named in :attr:`WRITTEN`, which ``syncd check`` verifies exists and is writable."""

    WRITTEN: ClassVar[tuple[str, ...]] = ("reports",)

    mappings: Path = Path("mappings")
    reports: Path = STATE_DIRECTORY / "reports"


class PersonSettings(Section):
    """The platform's person look-up behind mappings' ``person:`` rules (syncd asks it)."""

    refresh_s: PositiveSeconds = Field(default=86400.0, description="older answers: ask again")
    frozen: Literal["reject", "send"] = Field(
        default="reject", description="a frozen fund: reject the row, or send it [unknown]"
    )


class ArchiveSettings(Section):
    retention_days: int = Field(default=180, ge=1)


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["kv", "json"] = "kv"
    private_fields: list[str] = Field(
        default=[], description="extra field names to mask in logs (ID numbers always are)"
    )


class SmtpSettings(Section):
    """Where the nightly report is mailed (nothing is sent while ``host`` or ``to`` is empty)."""

    host: str = Field(default="", description="SMTP server; empty = do not mail the report")
    port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = True
    username: str = Field(default="", description="login name; empty = no SMTP login")
    sender: str = Field(default="", description="From: address")
    to: list[str] = Field(default=[], description="To: addresses")
    timeout_s: PositiveSeconds = 30.0
    password_file: Path | None = None
    password: SecretStr | None = Field(default=None, exclude=True)


class ReconcileSettings(Section):
    """The nightly reconciliation (``syncd reconcile``) and its report."""

    settlement_view: str = Field(
        default="V_WI_SETTLEMENT_DAY", description="HIS view of the day's settlements"
    )
    his_source: Literal["view", "syncd"] = Field(
        default="view",
        description="the HIS side: view = settlement_view; syncd = syncd's own record of the "
        "settlements it made (WI_REQUEST replies and the visit ledger), for a HIS without a "
        "settlement table",
    )
    include_id_numbers: bool = Field(default=False, description="show ID numbers in reports")
    include_names: bool = Field(default=False, description="show names in reports")
    record_due_days: int = Field(
        default=7, ge=1, le=365, description="病案首页 due this many days after discharge"
    )
    platform_workers: int = Field(
        default=4, ge=1, le=32, description="parallel platform look-ups (one per person)"
    )
    monthly_statement_mail: bool = Field(
        default=False,
        description="the run of a month's last day (the nightly run of the 1st) also writes "
        "that month's statement and attaches it to the report mail",
    )
    smtp: SmtpSettings = SmtpSettings()

    @field_validator("settlement_view")
    @classmethod
    def _view_is_identifier(cls, value: str) -> str:
        if not all(IDENTIFIER.match(part) for part in value.split(".", 1)):
            raise bad_setting(
                "须为视图名，可写 schema.VIEW", "must be a view name, optionally schema.VIEW"
            )
        return value


POOL_SPARE = 6  # connections beside the calls in flight: feed jobs, commands, monitoring, console


def pool_size_for(max_in_flight: int) -> int:
    """The least ``database.pool_size`` (the pool holds twice that) for ``max_in_flight``."""
    return -(-(max_in_flight + POOL_SPARE) // 2)


class Settings(Section):
    """The whole settings file."""

    hospital: HospitalSettings
    database: DatabaseSettings
    platform: PlatformSettings
    city: CitySettings = CitySettings()
    polling: PollingSettings = PollingSettings()
    delivery: DeliverySettings = DeliverySettings()
    folders: FolderSettings = FolderSettings()
    archive: ArchiveSettings = ArchiveSettings()
    persons: PersonSettings = PersonSettings()
    logging: LoggingSettings = LoggingSettings()
    reconcile: ReconcileSettings = ReconcileSettings()
    monitoring: MonitoringSettings = MonitoringSettings()
    alerts: AlertSettings = AlertSettings()
    console: ConsoleSettings = ConsoleSettings()

    @model_validator(mode="after")
    def _pool_holds_the_calls_in_flight(self) -> Settings:
        """Every call in flight holds a connection at times, beside the feed jobs, the
        command loop and the monitoring: the pool (``pool_size`` + as many overflow) must
        hold them all, or a call waits for a connection instead of the platform."""
        need = pool_size_for(self.delivery.max_in_flight)
        if self.database.pool_size < need and not self.database.url.startswith("sqlite"):
            n, now = self.delivery.max_in_flight, self.database.pool_size
            raise ValueError(
                f"delivery.max_in_flight={n} 需要 database.pool_size ≥ {need}（现为 {now}）："
                "调大 database.pool_size 或调小 delivery.max_in_flight / "
                f"delivery.max_in_flight={n} needs database.pool_size >= {need} (now {now}); "
                "raise database.pool_size or lower delivery.max_in_flight"
            )
        return self

    @model_validator(mode="after")
    def _alert_mail_has_a_server(self) -> Settings:
        if self.alerts.mail.to and not self.reconcile.smtp.host:
            raise bad_setting(
                "设置了 alerts.mail.to 但 reconcile.smtp.host 为空：告警邮件经对账的 SMTP "
                "服务器发送；请设置它，或清空 alerts.mail.to",
                "alerts.mail.to is set but reconcile.smtp.host is empty: alerts are mailed "
                "through the reconciliation's SMTP server; set it, or empty alerts.mail.to",
            )
        return self
