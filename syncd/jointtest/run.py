"""Running the joint test: every case through the same path as production.

A case's HIS rows go into the reference HIS tables (:mod:`syncd.jointtest.his`), its command
into ``WI_REQUEST``; the engine (:class:`~syncd.service.worker.Worker`, with the real
platform client over HTTP) runs pass after pass until each of the case's rows and commands
has a final status or the case's time is up; the calls it made are read from the message
archive.  A view-fed feed takes part from its first case on (as a hospital switches its
interfaces on one by one in a joint test), so a discharge does not also send the 病案首页
before the cases that test it; commands always take part.

After the cases, unless told to keep them, :meth:`Rehearsal.undo` cancels what the run left
open on the platform (refunds, then cancellations), each step reported like a case.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from syncd.core.records import Outcome, VisitKind
from syncd.demo.day import OPERATOR
from syncd.demo.report import wire_id
from syncd.jointtest.case_writes import insert_command, write_his
from syncd.jointtest.cases import Case, Expect, setting_value
from syncd.jointtest.evidence import CaseResult, CaseVerdict, EvidenceCall
from syncd.jointtest.his import HisVisit
from syncd.jointtest.persons import Persons
from syncd.jointtest.site import JointTestSite
from syncd.jointtest.staging import CaseStanding, Staging
from syncd.platform.client import PlatformClient
from syncd.service.worker import Worker

PAUSE_S = 0.1  # between passes that found nothing to do
LOGIN_ID = "sys0001"
CaseProgress = Callable[[CaseResult], None]
# What the HIS does once the platform accepted a cancellation command.
_FOLLOW_UPS = {
    "op_cancel": "outpatient_cancelled",
    "ip_cancel_discharge": "discharge_cancelled",
    "ip_cancel_admission": "admission_cancelled",
}
_UNDO = {  # platform state of a visit -> the commands that take it back to cancelled
    "REGISTERED": (("op_cancel", "撤销：取消门诊挂号"),),
    "SETTLED": (
        ("ip_cancel_settlement", "撤销：取消出院结算"),
        ("ip_cancel_discharge", "撤销：取消出院登记"),
        ("ip_cancel_admission", "撤销：取消入院登记"),
    ),
    "DISCHARGED": (
        ("ip_cancel_discharge", "撤销：取消出院登记"),
        ("ip_cancel_admission", "撤销：取消入院登记"),
    ),
    "ADMITTED": (("ip_cancel_admission", "撤销：取消入院登记"),),
}


@dataclass(frozen=True)
class _Target:
    """A row set of a feed (keys) or a command (id) the case waits for."""

    feed: str = ""
    keys: tuple[str, ...] = ()
    command_id: int = 0

    def standings(self, staging: Staging) -> list[CaseStanding]:
        if self.command_id:
            return [staging.command(self.command_id)]
        return staging.feed_rows(self.feed, self.keys)


class Rehearsal:
    """Runs cases on a :class:`JointTestSite`; ``progress`` hears of each result as it is known."""

    def __init__(
        self,
        site: JointTestSite,
        persons: Persons,
        case_timeout_s: float,
        progress: CaseProgress | None = None,
    ) -> None:
        self.site, self.persons, self.case_timeout_s = site, persons, case_timeout_s
        self.progress = progress or (lambda result: None)
        self.staging = Staging(site.engine, site.tables)
        self.active: set[str] = set()  # view feeds switched on so far
        self.broken: dict[str, str] = {}  # visit label -> the case that did not pass
        self.platform_reached = False  # the login got an answer (accepted or refused)
        self._worker: Worker | None = None

    # --- the run ----------------------------------------------------------------------

    def login(self) -> CaseResult:
        """Log in (sys0001) first: the joint test's first item, and proof the platform is
        there before any case waits for it.  Login exchanges carry the password: they are
        not archived, and the report shows no request."""
        started, t0 = self.site.clock(), time.monotonic()
        with PlatformClient(self.site.settings.platform) as client:
            result = client.login()
        self.platform_reached = result.outcome in (Outcome.SUCCEEDED, Outcome.REJECTED)
        verdict = CaseVerdict.PASSED if result.succeeded else CaseVerdict.FAILED
        reason = "" if result.succeeded else f"登录失败：{result.message}"
        return self._report(
            CaseResult(
                "L00",
                "登录（获取会话）",
                started,
                time.monotonic() - t0,
                verdict,
                reason,
                LOGIN_ID,
                return_code=result.return_code or "",
                message=result.message or ("成功" if result.succeeded else ""),
            )
        )

    def run(self, cases: Sequence[Case]) -> list[CaseResult]:
        return [self._report(self.case(case)) for case in cases]

    def case(self, case: Case) -> CaseResult:
        started, t0 = self.site.clock(), time.monotonic()
        functions = self._functions(case)

        def result(
            verdict: CaseVerdict,
            reason: str,
            calls: Sequence[EvidenceCall] = (),
            standings: Sequence[CaseStanding] = (),
        ) -> CaseResult:
            if verdict in (CaseVerdict.FAILED, CaseVerdict.NOT_RUN) and case.visit:
                self.broken.setdefault(case.visit, case.id)
            return self._result(
                case, started, time.monotonic() - t0, verdict, reason, functions, calls, standings
            )

        if case.when and not setting_value(self.site.settings, case.when):
            return result(CaseVerdict.SKIPPED, f"设置 {case.when} 为 false：本统筹区不适用")
        blocked = self._blocked(case)
        if blocked:
            return result(CaseVerdict.NOT_RUN, blocked)
        mark = self.staging.last_message_id()
        try:
            targets = self._start(case)
        except KeyError as missing:
            return result(CaseVerdict.FAILED, f"参数 {{{missing.args[0]}}} 无值（用例顺序不对？）")
        standings, finished = self._drive(targets, time.monotonic() + self.case_timeout_s)
        calls = self.staging.calls_after(mark)
        verdict, reason = judge(
            case.expect, standings, finished, calls, functions, self.case_timeout_s
        )
        if verdict is CaseVerdict.PASSED and case.command in _FOLLOW_UPS and case.visit:
            getattr(self.site.his, _FOLLOW_UPS[case.command])(case.visit)
        return result(verdict, reason, calls, standings)

    def undo(self) -> list[CaseResult]:
        """Cancel what the cases left on the platform: unrefunded outpatient batches are
        refunded, then every visit not cancelled is cancelled back step by step (a step that
        does not pass ends that visit's undoing)."""
        results: list[CaseResult] = []
        for label, visit in self.site.his.visits.items():
            self.broken.pop(label, None)
            for number, (command, title, params) in enumerate(self._undo_steps(visit), 1):
                case = Case(
                    id=f"U-{label}-{number}",
                    title=title,
                    command=command,
                    visit=label,
                    params=params,
                )
                results.append(self._report(self.case(case)))
                if results[-1].verdict is not CaseVerdict.PASSED:
                    break
        return results

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None

    # --- one case ---------------------------------------------------------------------

    def _start(self, case: Case) -> list[_Target]:
        """The HIS writes first, then the command is inserted (:mod:`syncd.jointtest.case_writes`):
        the rows to wait for."""
        targets = []
        action, label = case.action, case.visit
        if action is not None and label is not None:
            keys = write_his(self.site, case, label)
            if action.feed is not None:
                self._switch_on(action.feed)
                targets.append(_Target(action.feed, tuple(keys)))
        if case.command is not None:
            command_id = insert_command(self.site, case, self.persons, self.staging)
            targets.append(_Target(command_id=command_id))
        return targets

    def _switch_on(self, feed: str) -> None:
        if feed not in self.active:
            self.active.add(feed)
            self.close()  # the next pass builds an engine that polls it too

    def _engine(self) -> Worker:
        if self._worker is None:
            feeds = {
                name: spec
                for name, spec in self.site.feeds.items()
                if spec.source.is_command or name in self.active
            }
            self._worker = Worker(self.site.settings, feeds, engine=self.site.engine)
        return self._worker

    def _drive(
        self, targets: Sequence[_Target], deadline: float
    ) -> tuple[list[CaseStanding], bool]:
        """Engine passes until every target is final (True) or the deadline (False)."""
        while True:
            report = self._engine().once()
            standings = [s for t in targets for s in t.standings(self.staging)]
            if all(s.final for s in standings):
                return standings, True
            if time.monotonic() > deadline:
                return standings, False
            if report.quiet:
                time.sleep(PAUSE_S)

    def _blocked(self, case: Case) -> str:
        """Why the case cannot run: its visit was never opened, or an earlier case of that
        visit did not pass."""
        if case.visit in self.broken:
            return f"同一就诊的用例 {self.broken[case.visit]} 未通过"
        opens = case.action is not None and case.action.opens_visit
        if case.visit and not opens and case.visit not in self.site.his.visits:
            return f"就诊 {case.visit} 未建立（挂号或入院用例没有执行）"
        return ""

    def _functions(self, case: Case) -> tuple[str, ...]:
        """The platform function the case tests (its command's, else its feed's), then that
        of its first step (a refund's 110103): a rejection may come from either."""
        feeds = self.site.feeds
        if case.command:
            spec = next((s for s in feeds.values() if s.source.command == case.command), None)
        else:
            spec = feeds.get(case.action.feed or "") if case.action else None
        if spec is None:
            return ()
        first = feeds.get(spec.before) if spec.before else None
        names = [spec.function_id] + ([first.function_id] if first else [])
        return tuple(wire_id(self.site.catalogue, name) for name in names)

    def _result(
        self,
        case: Case,
        started: datetime,
        seconds: float,
        verdict: CaseVerdict,
        reason: str,
        functions: Sequence[str],
        calls: Sequence[EvidenceCall],
        standings: Sequence[CaseStanding],
    ) -> CaseResult:
        visit = self.site.his.visits.get(case.visit or "")
        ledger = self.staging.visit(visit.key) if visit else None
        main = [c for c in calls if c.function_id in functions] or list(calls)
        last = main[-1] if main else None
        message = last.message if last else next((s.message for s in standings), "")
        return CaseResult(
            case.id,
            case.title,
            started,
            seconds,
            verdict,
            reason,
            functions[0] if functions else "",
            visit.key if visit else "",
            ledger.aaz218 if ledger else "",
            next((s.bka001 for s in standings if s.bka001), ""),
            last.return_code if last else "",
            message,
            tuple(calls),
        )

    def _report(self, result: CaseResult) -> CaseResult:
        self.progress(result)
        return result

    def _undo_steps(self, visit: HisVisit) -> list[tuple[str, str, dict[str, str]]]:
        """(command, title, params) that take ``visit`` back to cancelled."""
        ledger = self.staging.visit(visit.key)
        if ledger is None or ledger.state not in _UNDO:
            return []
        steps = []
        if visit.kind is VisitKind.OUTPATIENT:
            steps = [
                ("op_refund", f"撤销：退费（批次 {batch}）", {"bka001": batch, **OPERATOR})
                for batch in self.staging.unrefunded_batches(visit.key)
            ]
        operator = {"op_cancel": dict(OPERATOR)}
        return steps + [
            (command, title, operator.get(command, {})) for command, title in _UNDO[ledger.state]
        ]


def judge(
    expect: Expect,
    standings: Sequence[CaseStanding],
    finished: bool,
    calls: Sequence[EvidenceCall],
    functions: Sequence[str],
    timeout_s: float,
) -> tuple[CaseVerdict, str]:
    """Whether a case passed, and why not."""
    if not finished:
        waiting = next(s for s in standings if not s.final)
        return CaseVerdict.FAILED, f"{timeout_s:.0f} 秒内未完成：{waiting.describe()}"
    wrong = next((s for s in standings if s.outcome != expect.status), None)
    if wrong is not None:
        want = "成功" if expect.status == "done" else "被拒绝"
        return CaseVerdict.FAILED, f"期望{want}，实际{wrong.describe()}"
    if expect.message and any(expect.message not in s.message for s in standings):
        return CaseVerdict.FAILED, f"返回信息中没有“{expect.message}”"
    made = sum(1 for call in calls if call.function_id in functions)
    if made < expect.calls:
        names = "/".join(functions)
        return CaseVerdict.FAILED, f"期望至少 {expect.calls} 次 {names} 调用，实际 {made} 次"
    flags = [s.flag for s in standings if s.flag]
    return CaseVerdict.PASSED, (f"应答已标记（照平台返回办结）：{flags[0]}" if flags else "")
