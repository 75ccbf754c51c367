"""``syncd jointtest``: the joint-test (联调) rehearsal kit.

The shipped case list (``data/cases.yaml``) runs in the order an insurer's joint test does,
each case through the same path as production: rows into the reference HIS's tables (which
its views show) and commands into ``WI_REQUEST``, the engine, the real platform client over
HTTP — against the embedded simulator by default, or against the insurer's test environment
(settings marked ``platform.test_environment: true``) with the test persons it hands out.
A Chinese evidence report (HTML, XLSX) records each case; what the cases created on the
platform is cancelled afterwards unless kept.

* :mod:`.cases` — the case list (validated, ``file:line``); :mod:`.persons` — test persons;
* :mod:`.site` — the folder, settings, reference HIS, simulator (reusing :mod:`syncd.demo.run`);
* :mod:`.his` — what the HIS writes per case; :mod:`.staging` — what is read back;
* :mod:`.run` — the cases and the undo; :mod:`.evidence` — results and masked requests;
* :mod:`.report` (+ ``templates/``) — HTML and XLSX; :mod:`.rehearse` — one whole run.

Guide for hospitals: ``docs/joint-test.md``.
"""
