"""Monitoring pieces that know nothing of the engine: the metrics registry with the metrics that
are recorded as things happen (:mod:`syncd.monitor.metrics`) and the WSGI app plus a small
threaded server for ``/metrics``, ``/healthz`` and ``/readyz`` (:mod:`syncd.monitor.http`).
What is computed at scrape time from the database and the platform's health is added by the
daemon (:mod:`syncd.service.monitoring`)."""
