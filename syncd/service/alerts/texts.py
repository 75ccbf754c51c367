"""What each alert says: a Chinese title (an English one after it), and what to do — when it is
raised and when it is cleared.  A notice never holds personal data: counts, feed names, times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Severity(StrEnum):
    WARNING = "WARNING"
    ERROR = "ERROR"


@dataclass(frozen=True)
class AlertText:
    raised: str
    cleared: str
    action: str  # what to do while it is raised
    after: str  # what (not) to do once it is cleared
    severity: Severity = Severity.WARNING


_NOTHING = "无需操作。"
JOB_PREFIX = "job:"
HOST_MARK = "@"  # ``platform_unreachable@his-app1``: what one host sees for itself
TEXTS: dict[str, AlertText] = {
    "platform_unreachable": AlertText(
        "平台不可达 / platform unreachable",
        "平台恢复可达 / platform reachable again",
        "检查本机到平台的网络（专线/VPN、防火墙）与 platform.url；平台维护时等待恢复即可。"
        "待发送的数据不会丢失，恢复后自动发送。",
        "积压的数据正在自动发送，" + _NOTHING,
        Severity.ERROR,
    ),
    "platform_login_refused": AlertText(
        "平台拒绝登录 / platform login refused",
        "平台登录恢复正常 / platform login accepted",
        "平台以账号或密码错误拒绝登录（sys0001 返回 -1）：核对 platform.userid 与平台密码"
        "（systemd 凭据 platform-password 或 SYNCD_PLATFORM__PASSWORD），改正后重启 syncd。"
        "在此之前数据暂不发送，不会丢失。",
        _NOTHING,
        Severity.ERROR,
    ),
    "backlog": AlertText(
        "数据积压 / backlog",
        "积压已消除 / backlog cleared",
        "用 syncd status 查看各数据表的待发送、等待与最近错误；检查平台是否可达。",
        _NOTHING,
    ),
    "failed_rows": AlertText(
        "有数据发送失败 / rows FAILED",
        "失败的数据已处理 / no FAILED rows",
        "用 syncd status 查看最近错误，排除原因后执行 syncd retry --failed"
        "（失败的数据不会自动重发）。",
        _NOTHING,
        Severity.ERROR,
    ),
    "unknown_rows": AlertText(
        "有交易结果未知 / outcomes UNKNOWN",
        "结果未知的交易已全部确认 / no UNKNOWN outcomes",
        "syncd 会自动向平台查询确认，请勿在 HIS 或平台重复操作；长时间未确认时在平台人工核对，"
        "再执行 syncd retry 名称 主键 --processed 或 --not-processed。",
        _NOTHING,
        Severity.ERROR,
    ),
    "unknown_needs_person": AlertText(
        "有结果未知的交易需要人工核对 / UNKNOWN outcomes only a person can decide",
        "需要人工核对的结果未知交易已处理 / no UNKNOWN outcome waits for a person",
        "平台的查询结果无法判断这些交易是否已处理，syncd 不会重发：按每条的原因在平台核对"
        "（原因中写明平台与已知的金额、批次或住院业务），确认已处理执行 syncd retry 名称 主键 "
        "--processed，确认未处理执行 --not-processed（或在运维控制台的待处理页操作）。"
        "在此之前同一就诊的后续数据等待，其原因中写明在等哪一条。",
        _NOTHING,
        Severity.ERROR,
    ),
    "blocked_rows": AlertText(
        "有数据因前序登记被拒绝而受阻 / rows blocked behind a refused registration",
        "受阻的数据已可发送 / no blocked rows",
        "在 WI_SYNC_STATUS 中查看被平台拒绝的入院登记或门诊挂号及原因（return_code_message），"
        "在 HIS 更正后重新登记；受阻的数据随后自动发送。",
        _NOTHING,
    ),
    "inactivity": AlertText(
        "工作时间内没有新的工伤数据 / no new work-injury rows",
        "已有新的工伤数据 / new work-injury rows again",
        "确认 HIS 是否正常录入工伤病人、syncd 能否读取视图（syncd check）；"
        "节假日请登记在 alerts.inactivity.holidays 中。",
        _NOTHING,
    ),
    "reconcile_differences": AlertText(
        "对账发现差异 / reconciliation found differences",
        "最近一次对账无差异 / last reconciliation clean",
        "打开对账报告，按每一项的处理建议核对 HIS 与平台。",
        _NOTHING,
    ),
    JOB_PREFIX: AlertText(
        "任务未按计划完成 / job missed its schedule",
        "任务恢复按计划运行 / job on schedule",
        "在日志（journalctl -u syncd）中查看该任务的 job.failed、job.source_error 或 "
        "job.misfired 事件并排除原因。",
        _NOTHING,
    ),
}


def text_of(name: str) -> AlertText:
    """The texts of alert ``name`` (``job:…`` alerts share one; ``@host`` is not looked at)."""
    base = name.partition(HOST_MARK)[0]
    return TEXTS[JOB_PREFIX] if base.startswith(JOB_PREFIX) else TEXTS[base]


@dataclass(frozen=True)
class Notice:
    """One change of one alert, as every channel carries it."""

    name: str
    raised: bool
    since: datetime  # naive local time the state holds from
    detail: str

    @property
    def text(self) -> AlertText:
        return text_of(self.name)

    @property
    def severity(self) -> Severity:
        return self.text.severity if self.raised else Severity.WARNING

    @property
    def title(self) -> str:
        title = self.text.raised if self.raised else self.text.cleared
        base, _, host = self.name.partition(HOST_MARK)
        job = base[len(JOB_PREFIX) :] if base.startswith(JOB_PREFIX) else ""
        return title + (f"：{job}" if job else "") + (f"（主机 {host}）" if host else "")

    @property
    def action(self) -> str:
        return self.text.action if self.raised else self.text.after

    def lines(self) -> list[str]:
        """The notice as plain text lines (mail, the JSON webhook's ``text``)."""
        head = "【告警】" if self.raised else "【恢复】"
        return [
            f"{head}{self.title}",
            f"时间：{self.since:%Y-%m-%d %H:%M:%S}",
            *([f"情况：{self.detail}"] if self.detail else []),
            f"处理：{self.action}",
        ]


def duration_zh(seconds: float) -> str:
    """``3 小时 5 分钟`` / ``12 分钟`` / ``40 秒``."""
    total = int(max(0, seconds))
    if total < 60:
        return f"{total} 秒"
    hours, minutes = divmod(total // 60, 60)
    return f"{hours} 小时 {minutes} 分钟" if hours else f"{minutes} 分钟"
