"""The platform's person look-up as a mapping source (L3): ask once per person, keep the answer.

A feed whose mapping has ``person:`` rules (``aac001: {person: aac001, by: {aac002: {column:
SFZH}}}``) needs, before its rows can be rendered, the platform's answer for each key the rows
give.  :meth:`PersonLookups.answers` reads the answers kept in the person table
(:class:`~syncd.engine.ports.PersonPort`) and asks the platform for the keys it has none for —
or an answer older than ``persons.refresh_s``, or one asked for another visit when the row
opens a new visit (a registration, an admission): the certificate and the fund state are those
of today.

The look-up is a read-only query (110001 for outpatient feeds, 120001 for inpatient ones): it is
rendered by the look-up command's own mapping (``op_person`` / ``ip_person``) through
:class:`~syncd.engine.prepare.Preparation`, and built, sent, archived (``<p>message``, under
the row's feed and key) and classified by :class:`~syncd.engine.exchange.PlatformCalls` — the
exchange's own call step; it has no intent, no lease and no attempts, because nothing on the
platform changes and asking again is always safe.  So:

* answered: KNOWN (the person number, the certificate, the fund state), kept;
* refused by the platform (not insured, not found …): REFUSED with the platform's Chinese
  reason, kept — the rows asking for it are rejected with that reason;
* a frozen fund (``bka888`` 1, or a ``freezeinfo`` row not 0): REFUSED with the freeze's reason
  (``persons.frozen: reject``, the default) or KNOWN (``send``: the platform decides);
* not answered (unreachable, timed out, unreadable): nothing kept; the rows wait, using no
  attempt, and the look-up is asked again after ``pause_s`` (not once per row meanwhile).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from syncd.core.errors import MappingError, PlatformProtocolError, RequestEncodingError
from syncd.core.records import Outcome, PersonKey, PersonRecord, PersonState, SourceRow
from syncd.engine.exchange import PlatformCalls, Where
from syncd.engine.ports import PersonPort
from syncd.engine.prepare import Preparation
from syncd.logs import event
from syncd.mapping import FeedSpec, person_keys
from syncd.protocol.messages import PersonInfoReply
from syncd.rules.conclusion import Conclusion

logger = logging.getLogger(__name__)
LOOKUP_FAILED_ZH = "平台人员信息查询未成功（{}），稍后自动重试"
NO_PERSON_ZH = "平台未返回人员信息"
NOT_INSURED_ZH = "个人基金状态为未参保（bka888=9）"
FROZEN_ZH = "人员工伤保险基金冻结"
_NOT_FROZEN = ("", "0")


@dataclass(frozen=True)
class LookupPolicy:
    refresh_s: float  # persons.refresh_s: an older answer is asked again
    frozen: str = "reject"  # persons.frozen: reject | send
    pause_s: float = 10.0  # after an unanswered look-up, none again for this long


@dataclass
class Answers:
    """What the rows of one unit may be rendered with, and why the others wait."""

    found: dict[PersonKey, PersonRecord] = field(default_factory=dict)
    waiting_zh: str = ""  # set when a look-up went unanswered


class PersonLookups:
    def __init__(
        self,
        calls: PlatformCalls,
        store: PersonPort,
        lookup: FeedSpec,
        policy: LookupPolicy,
    ) -> None:
        self.calls, self.store, self.lookup, self.policy = calls, store, lookup, policy
        self.paused_until: datetime | None = None

    def answers(
        self,
        prep: Preparation,
        spec: FeedSpec,
        rows: Sequence[SourceRow],
        where: Where,
        *,
        new_visit: bool,
    ) -> Answers:
        """The answers for every key ``rows`` ask by, asking the platform where needed."""
        context = prep.context(None)
        keys = sorted(
            {key for row in rows for key in person_keys(spec, row.values, context)},
            key=lambda k: (k.kind, k.value),
        )
        out = Answers()
        if not keys:
            return out
        kept = self.store.find(keys)
        for key in keys:
            record = kept.get(key)
            if record is None or self._stale(record, where.visit_key, new_visit):
                fresh, why = self._ask(prep, key, where)
                if fresh is None:
                    out.waiting_zh = LOOKUP_FAILED_ZH.format(why)
                    record = None if new_visit else record  # an older answer may still serve
                else:
                    record = fresh
            if record is not None:
                out.found[key] = record
        return out

    def kept(
        self, prep: Preparation, spec: FeedSpec, rows: Sequence[SourceRow]
    ) -> dict[PersonKey, PersonRecord]:
        """The answers the person table keeps for ``rows`` (the platform is not asked): what
        a rejected row's fingerprint is rendered with (:mod:`syncd.engine.fixed`)."""
        context = prep.context(None)
        keys = {key for row in rows for key in person_keys(spec, row.values, context)}
        return self.store.find(sorted(keys, key=lambda k: (k.kind, k.value))) if keys else {}

    def _stale(self, record: PersonRecord, visit_key: str, new_visit: bool) -> bool:
        age = self.calls.clock() - record.looked_up_at
        if age > timedelta(seconds=self.policy.refresh_s):
            return True
        return new_visit and bool(visit_key) and record.visit_key != visit_key

    def _ask(
        self, prep: Preparation, key: PersonKey, where: Where
    ) -> tuple[PersonRecord | None, str]:
        """One look-up: the answer (kept), or None and why (nothing kept)."""
        now = self.calls.clock()
        if self.paused_until is not None and now < self.paused_until:
            return None, "平台暂不可用"
        params = {"bka895": key.kind, "bka896": key.value}
        try:
            mapped = prep.command(self.lookup, "person", params, None)
            request = self.calls.request(mapped)
        except (MappingError, RequestEncodingError) as exc:  # the key cannot be sent as it is
            return self._refused(key, now, "", "", where, exc.reason_zh), ""
        ended = self.calls.send(request, where)
        if ended.outcome is Outcome.REJECTED:
            reason = ended.message or "平台拒绝"
            return self._refused(key, now, request.function_id, ended.call_id, where, reason), ""
        if ended.outcome is not Outcome.SUCCEEDED or ended.reply is None:
            self.paused_until = now + timedelta(seconds=self.policy.pause_s)
            self._event(where, "person.lookup_unanswered", ended, request.function_id)
            return None, ended.message or ended.outcome.value
        try:
            reply = PersonInfoReply.from_program(ended.reply)
        except PlatformProtocolError as exc:
            self._event(where, "person.lookup_unreadable", ended, request.function_id)
            return None, exc.message
        record = self._answer(key, now, request.function_id, ended, where, reply)
        self.store.save(record)
        self._event(where, "person.looked_up", ended, request.function_id, record.state.value)
        return record, ""

    def _answer(
        self,
        key: PersonKey,
        now: datetime,
        function_id: str,
        ended: Conclusion,
        where: Where,
        reply: PersonInfoReply,
    ) -> PersonRecord:
        base = {"function_id": function_id, "call_id": ended.call_id, "visit_key": where.visit_key}
        if not reply.persons:
            return PersonRecord(key, PersonState.REFUSED, now, reason_zh=NO_PERSON_ZH, **base)
        person = reply.persons[0]
        injury = reply.injuries[0] if reply.injuries else None
        start = person.aae030 or (injury.aae030 if injury else None)
        end = person.aae031 or (injury.aae031 if injury else None)
        frozen = [f for f in reply.freezes if f.aac031 not in _NOT_FROZEN]
        state, reason = PersonState.KNOWN, ""
        if person.bka888 == "9":
            state, reason = PersonState.REFUSED, NOT_INSURED_ZH
        elif (person.bka888 == "1" or frozen) and self.policy.frozen == "reject":
            why = "；".join(
                dict.fromkeys(f.bka408 or f.aad006 for f in frozen if f.bka408 or f.aad006)
            )
            state, reason = PersonState.REFUSED, f"{FROZEN_ZH}：{why}" if why else FROZEN_ZH
        return PersonRecord(
            key,
            state,
            now,
            aac001=person.aac001,
            bka042=person.bka042 or (injury.bka042 if injury else ""),
            aaz267=person.aaz267,
            aae030=f"{start:%Y%m%d}" if start else "",
            aae031=f"{end:%Y%m%d}" if end else "",
            bka888=person.bka888,
            reason_zh=reason,
            **base,
        )

    def _refused(
        self,
        key: PersonKey,
        now: datetime,
        function_id: str,
        call_id: str,
        where: Where,
        reason: str,
    ) -> PersonRecord:
        record = PersonRecord(
            key,
            PersonState.REFUSED,
            now,
            function_id=function_id,
            call_id=call_id,
            visit_key=where.visit_key,
            reason_zh=reason,
        )
        if call_id:  # the platform's refusal is kept; a key syncd cannot send is not
            self.store.save(record)
        event(logger, "person.refused", feed=where.feed, key=where.source_key, call_id=call_id)
        return record

    def _event(
        self, where: Where, name: str, ended: Conclusion, function_id: str, state: str = ""
    ) -> None:
        level = logging.INFO if name == "person.looked_up" else logging.WARNING
        ids: Mapping[str, object] = {"state": state} if state else {"outcome": ended.outcome.value}
        event(
            logger,
            name,
            level,
            feed=where.feed,
            key=where.source_key,
            function_id=function_id,
            call_id=ended.call_id,
            **ids,
        )
