"""What a joint-test case writes before the engine runs: its HIS rows into the reference HIS
tables (:mod:`syncd.jointtest.his`) and its command into ``WI_REQUEST``, the command's
placeholders filled from the case's person, visit, charge and last fee batch (a missing one
fails the case with a KeyError)."""

from __future__ import annotations

from syncd.demo.day import DemoCommand
from syncd.demo.run import insert_commands
from syncd.jointtest.cases import Case, fill
from syncd.jointtest.his import HisVisit
from syncd.jointtest.persons import Persons
from syncd.jointtest.site import JointTestSite
from syncd.jointtest.staging import Staging


def write_his(site: JointTestSite, case: Case, label: str) -> list[str]:
    """Write the case's HIS rows for visit ``label``: the keys of the rows written."""
    his, name = site.his, str(case.his)
    if name.startswith("record_"):
        return his.record(label, name.removeprefix("record_"))
    if name in ("outpatient_visit", "admission"):
        assert case.person is not None  # the case model requires it
        return list(getattr(his, name)(label, case.person))
    if name in ("outpatient_charge", "inpatient_fees"):
        return list(getattr(his, name)(label, case.fees))
    return list(getattr(his, name)(label))


def insert_command(site: JointTestSite, case: Case, persons: Persons, staging: Staging) -> int:
    """Insert the case's command (``case.command``) with its params filled: its id."""
    assert case.command is not None
    values = placeholder_values(site, case, persons, staging)
    params = {key: fill(text, values) for key, text in case.params.items()}
    visit = site.his.visits[case.visit].key if case.visit else None
    command = DemoCommand(
        case.command, visit, params.pop("bka895", None), params.pop("bka896", None), params
    )
    [command_id] = insert_commands(site.engine, site.tables, (command,), requested_by="jointtest")
    return command_id


def placeholder_values(
    site: JointTestSite, case: Case, persons: Persons, staging: Staging
) -> dict[str, str]:
    """What the case's placeholders may name (a missing one fails the case)."""
    today = site.clock()
    values = {"today": f"{today:%Y%m%d}", "year": f"{today:%Y}"}
    visit: HisVisit | None = site.his.visits.get(case.visit or "")
    number = case.person or (visit.person if visit else None)
    if number is not None:
        person = persons.person(number)
        values |= {"aac001": person.aac001, "aac002": person.aac002, "aac003": person.aac003}
    if case.visit in site.his.charges:
        values["charge_no"] = site.his.charges[case.visit]
    ledger = staging.visit(visit.key) if visit else None
    if ledger is not None and ledger.last_batch:
        values["bka001"] = str(ledger.last_batch)
    return values
