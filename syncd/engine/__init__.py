"""The engine steps (L3): storage through :mod:`syncd.engine.ports`, the platform through the
:class:`~syncd.protocol.calls.Caller` port; no httpx, client, settings or database here.

* :mod:`~syncd.engine.exchange` — the delivery protocol, once for every kind of unit;
* :mod:`~syncd.engine.pipeline` (with ``discovery``, ``feed_checks``, ``feed_settle`` and the
  unit adapter ``rows_unit``) — one tick of a fact-view feed;
* :mod:`~syncd.engine.commands` (with ``command_checks``, ``command_settle`` and the unit
  adapter ``command_unit``) — one tick of the command table;
* :mod:`~syncd.engine.prepare` — the one way a row or command becomes a call (``syncd render``
  uses it too);
* :mod:`~syncd.engine.operator` — every operator action (``syncd retry``, the console);
* ``leases``, ``gate``, ``reports``, ``codes`` (码表服务 upkeep).
"""
