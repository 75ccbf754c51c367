"""Fault injection: what goes wrong, on which function, how often.

Kinds (``Fault.kind``):

* ``latency``        wait ``ms`` milliseconds, then process normally;
* ``http500``        answer HTTP 500 with body ``服务执行发生异常``; nothing is processed;
* ``malformed``      process and commit, then answer HTTP 200 with a cut-off XML body;
* ``drop``           close the connection before processing; nothing is committed;
* ``reply_lost``     process and commit, then close the connection without any response;
* ``expire_session`` expire every session first, so the call answers ``-9``;
* ``oversize``       process and commit, then answer the real reply padded (inside an XML
                     comment before ``</program>``) to ``size`` bytes, written in chunks;
* ``cent_off``       process and commit, then answer with the total ``akc264`` one cent
                     higher (flat and in every ``payinfo`` row): the §8.1 identities broken;
* ``payinfo_twice``  process and commit, then answer with a second ``payinfo`` row (the first
                     one's copy with every amount 0.00 and the next batch number);
* ``no_aae100``      process, then answer without ``aae100`` in the ``batchinfo`` rows (a
                     platform that does not send the refund flag, which the spec infers).

Targeting: ``function_id`` (empty = any function, sys0001 included); ``times`` = apply to the
next N matching calls (default 1; 0 = no limit); ``rate`` = probability per matching call
(default 1.0, drawn from a generator seeded with ``seed``).

``--fault`` syntax: ``KIND[:key=value[,key=value...]]`` with keys ``function``, ``times``,
``rate``, ``ms``, ``size``, ``seed``, e.g. ``reply_lost:function=bizh120106``,
``latency:ms=300,times=0`` or ``oversize:function=bizh120103,size=104857600``.  JSON
(``POST /_sim/faults``): one object or a list of objects
``{"kind": "http500", "function_id": "bizh120002", "times": 2, "rate": 1.0, "ms": 0}``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from syncd.core.errors import ConfigError
from syncd.simulator.wire import WireReply

KINDS = frozenset(
    {
        "latency",
        "http500",
        "malformed",
        "drop",
        "reply_lost",
        "expire_session",
        "oversize",
        "cent_off",
        "payinfo_twice",
        "no_aae100",
    }
)
ALTERING = frozenset({"cent_off", "payinfo_twice", "no_aae100"})  # processed; the reply is changed


@dataclass
class Fault:
    kind: str
    function_id: str = ""
    times: int = 1
    rate: float = 1.0
    ms: int = 0
    size: int = 0
    seed: int | None = None
    _random: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"unknown fault kind {self.kind!r}; use one of {sorted(KINDS)}")
        if self.times < 0 or not 0.0 < self.rate <= 1.0 or self.ms < 0 or self.size < 0:
            raise ConfigError("fault needs times >= 0, 0 < rate <= 1, ms >= 0 and size >= 0")
        if self.kind == "oversize" and self.size <= 0:
            raise ConfigError("an oversize fault needs size=BYTES (the length of the reply)")
        self._random = random.Random(self.seed)

    def targets(self, function_id: str) -> bool:
        return not self.function_id or self.function_id == function_id

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "function_id": self.function_id,
            "times": self.times,
            "rate": self.rate,
            "ms": self.ms,
            "size": self.size,
            "seed": self.seed,
        }


_KEYS = {"function": "function_id", "function_id": "function_id", "times": "times"}
_KEYS |= {"rate": "rate", "ms": "ms", "size": "size", "seed": "seed"}


def parse_fault(spec: str) -> Fault:
    """Parse the ``--fault`` syntax ``KIND[:key=value,...]``."""
    kind, _, rest = spec.strip().partition(":")
    values: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in _KEYS:
            raise ConfigError(f"bad fault option {item!r} in {spec!r}; keys: {sorted(_KEYS)}")
        values[_KEYS[key.strip()]] = value.strip()
    return fault_from_json({"kind": kind.strip(), **values})


def fault_from_json(doc: Any) -> Fault:
    """Build a fault from its JSON object; wrong shapes raise :class:`ConfigError`."""
    if not isinstance(doc, dict) or "kind" not in doc:
        raise ConfigError('a fault is an object with at least "kind"')
    try:
        seed = doc.get("seed")
        return Fault(
            kind=str(doc["kind"]),
            function_id=str(doc.get("function_id") or ""),
            times=int(doc.get("times", 1)),
            rate=float(doc.get("rate", 1.0)),
            ms=int(doc.get("ms", 0)),
            size=int(doc.get("size", 0)),
            seed=None if seed in (None, "") else int(seed),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad fault value: {exc}") from exc


class FaultBook:
    """The active faults; thread-safe; :meth:`take` consumes at most one per call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, *faults: Fault) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, function_id: str) -> Fault | None:
        """The first fault that fires for this call (its remaining count decremented)."""
        with self._lock:
            for fault in self._faults:
                if fault.targets(function_id) and fault._random.random() < fault.rate:
                    self._consume(fault)
                    return fault
        return None

    def _consume(self, fault: Fault) -> None:
        if fault.times == 0:
            return
        fault.times -= 1
        if fault.times == 0:
            self._faults.remove(fault)


def altered(kind: str, reply: WireReply) -> WireReply:
    """The reply an ``ALTERING`` fault answers instead of ``reply`` (a rejection unchanged)."""
    if reply.return_code != "1":
        return reply
    if kind == "cent_off":
        scalars = _cent_more(reply.scalars)
        rows = [_cent_more(row) for row in reply.datasets.get("payinfo", [])]
        datasets = {**reply.datasets, "payinfo": rows} if rows else reply.datasets
        return replace(reply, scalars=scalars, datasets=datasets)
    if kind == "no_aae100":
        if "batchinfo" not in reply.datasets:
            return reply
        batches = [
            {k: v for k, v in row.items() if k != "aae100"}
            for row in reply.datasets.get("batchinfo", [])
        ]
        return replace(reply, datasets={**reply.datasets, "batchinfo": batches})
    rows = reply.datasets.get("payinfo", [])
    if not rows:
        return reply
    second = {k: "0.00" if _is_amount(v) else v for k, v in rows[0].items()}
    if str(rows[0].get("bka001", "")).isdigit():
        second["bka001"] = str(int(rows[0]["bka001"]) + 1)
    return replace(reply, datasets={**reply.datasets, "payinfo": [rows[0], second]})


def _cent_more(values: dict[str, str]) -> dict[str, str]:
    if not values.get("akc264"):
        return values
    return {**values, "akc264": f"{Decimal(values['akc264']) + Decimal('0.01'):.2f}"}


def _is_amount(text: str) -> bool:
    head, dot, tail = text.lstrip("-").partition(".")
    return bool(dot) and head.isdigit() and len(tail) == 2 and tail.isdigit()
