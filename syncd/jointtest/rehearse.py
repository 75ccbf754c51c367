"""One joint-test run from start to end: persons, site, cases, login, the cases, the undo,
the report (the thin ``syncd jointtest`` command calls :func:`rehearse`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from syncd.config import Settings
from syncd.core.bilingual import zh_en
from syncd.core.errors import PlatformUnavailable
from syncd.jointtest.cases import load_cases
from syncd.jointtest.evidence import CaseResult, CaseVerdict
from syncd.jointtest.persons import TestPerson, load_persons
from syncd.jointtest.report import Evidence, JointTestFiles, write_reports
from syncd.jointtest.run import CaseProgress, Rehearsal
from syncd.jointtest.site import JointTestSite, prepare_simulator, prepare_test_environment
from syncd.reconcile.reports import Hospital

SIMULATOR_ZH = "模拟平台（本机，syncd simulator）"
TEST_ENVIRONMENT_ZH = "经办机构联调测试环境"


@dataclass(frozen=True)
class Options:
    """What ``syncd jointtest`` was asked to do.  ``settings`` None: the embedded default
    (simulator); else the insurer's test environment those settings name."""

    folder: Path
    report_dir: Path
    cases: Path | None = None
    persons: Path | None = None
    keep_business: bool = False
    case_timeout_s: float = 120.0
    settings: Settings | None = None
    config_file: str = ""


@dataclass(frozen=True)
class RehearsalOutcome:
    evidence: Evidence
    files: JointTestFiles
    site_folder: Path


def rehearse(options: Options, progress: CaseProgress | None = None) -> RehearsalOutcome:
    """Run every case and write the report; PlatformUnavailable (after the report is
    written) when the platform did not answer the login."""
    persons = load_persons(options.persons)
    if options.settings is None:
        site = prepare_simulator(options.folder, persons)
    else:
        site = prepare_test_environment(
            options.folder, options.settings, persons, options.config_file
        )
    try:
        cases = load_cases(options.cases, site.feeds, len(persons.persons), site.settings)
        kit = Rehearsal(site, persons, options.case_timeout_s, progress)
        started = site.clock()
        try:
            results = [kit.login()]
            if results[0].verdict is CaseVerdict.PASSED:
                results += kit.run(cases.cases)
            undo = [] if options.keep_business or not kit.platform_reached else kit.undo()
        finally:
            kit.close()
        evidence = _evidence(site, options, cases.file, persons.persons, started, results, undo)
        files = write_reports(evidence, options.report_dir)
    finally:
        site.close()
    if not kit.platform_reached:
        raise PlatformUnavailable(
            zh_en(
                f"平台无法连接，联调未进行（报告：{files.html}）",
                f"the platform did not answer: {results[0].message}",
            )
        )
    return RehearsalOutcome(evidence, files, site.folder)


def _evidence(
    site: JointTestSite,
    options: Options,
    cases_file: str,
    persons: Sequence[TestPerson],
    started: datetime,
    results: list[CaseResult],
    undo: list[CaseResult],
) -> Evidence:
    h, p = site.settings.hospital, site.settings.platform
    return Evidence(
        Hospital(h.akb020, h.name),
        SIMULATOR_ZH if site.sim else TEST_ENVIRONMENT_ZH,
        p.url,
        p.userid,
        started,
        site.clock(),
        cases_file,
        persons,
        results,
        undo,
        options.keep_business,
    )
