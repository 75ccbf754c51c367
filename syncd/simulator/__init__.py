"""A faithful stand-in for the Guangdong work-injury settlement platform (``syncd simulator``).

A real HTTP server (stdlib ``ThreadingHTTPServer``, 127.0.0.1 by default) at the real path
``/hygeia_esb_sj/api/call.action`` that implements every function_id of requirements.md with
the state machines of spec §7, 业务互斥, the 300-row limit, refund rules and settlement figures
that keep the identities of spec §8.1.  State lives in SQLite (``state_path``) and survives a
restart; persons come from a fixture (see :mod:`.fixtures`); faults can be injected (see
:mod:`.faults`); ``/_sim/*`` offers JSON inspection (see :mod:`.server`).

It shares no code with :mod:`syncd.protocol.codec`/``client``: it parses with ``defusedxml`` and
writes its own escaped XML, so a codec bug cannot hide behind a matching simulator bug.

Modules: ``wire`` (XML in/out), ``store``/``ledger`` (SQLite), ``fixtures`` (+ ``data/``),
``figures`` (settlement arithmetic), ``rules_*`` (one module per group of functions),
``platform`` (login, sessions, dispatch), ``faults``, ``server`` (HTTP + :class:`Simulator`).

Python API::

    from syncd.simulator import Simulator, SimulatorConfig, Fault
    sim = Simulator(SimulatorConfig(fee_delete_allowed=False), state_path=None, clock=None)
    port = sim.start()          # background thread; port 0 -> a free port
    sim.endpoint                # http://127.0.0.1:<port>/hygeia_esb_sj/api/call.action
    sim.add_faults("reply_lost:function=bizh120106")
    sim.calls(); sim.businesses(); sim.expire_sessions(); sim.reset(); sim.stop()

Default account: userid ``SS0001`` / password ``sim-password``; accepted akb020: ``SS0001``
and ``SS0002``.
"""

from __future__ import annotations

from syncd.simulator.config import (
    DEFAULT_AKB020S,
    DEFAULT_PASSWORD,
    DEFAULT_USERID,
    SHANGHAI,
    ServedFunctionIds,
    SimulatorConfig,
)
from syncd.simulator.faults import Fault, parse_fault
from syncd.simulator.fixtures import (
    FixturePerson,
    ItemCatalogue,
    load_covered_items,
    load_persons,
)
from syncd.simulator.server import CALL_PATH, SERVER_ERROR_TEXT, Simulator

__all__ = [
    "CALL_PATH",
    "DEFAULT_AKB020S",
    "DEFAULT_PASSWORD",
    "DEFAULT_USERID",
    "SERVER_ERROR_TEXT",
    "SHANGHAI",
    "Fault",
    "FixturePerson",
    "ItemCatalogue",
    "ServedFunctionIds",
    "Simulator",
    "SimulatorConfig",
    "load_covered_items",
    "load_persons",
    "parse_fault",
]
