"""Alerts as state changes: each raised once when its condition starts and cleared once when it
ends, never per poll, and not again after a restart (the state is kept in ``<p>alert``).

* :mod:`~syncd.service.alerts.texts` — every alert's Chinese title and what to do;
* :mod:`~syncd.service.alerts.conditions` — which conditions hold now, from the staging-table
  counts (:func:`syncd.db.counts.read_counts`), the platform's health and the jobs;
* :mod:`~syncd.service.alerts.channels` — the mail and webhook channels (企业微信, 钉钉, JSON);
* :mod:`~syncd.service.alerts.announcer` — notices a change once it has lasted
  ``alerts.settle_s``, logs it to the journal, and sends what each channel is owed within its
  rate limit.
"""
