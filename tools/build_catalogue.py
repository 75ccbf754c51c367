"""Build ``syncd/protocol/catalogue.json`` from the platform spec (run once, commit the output).

Usage::

    .venv/bin/python tools/build_catalogue.py [/work/shared/spec/gd-workinjury-interface.yaml]

The spec lives outside the repository; the generated JSON is package data read by
:mod:`syncd.protocol.catalogue`.  What the spec leaves open is decided here, in one table:
the logical name and kind of every transaction (from requirements.md), and the element names
of reply datasets the spec marks as unknown.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SPEC = Path("/work/shared/spec/gd-workinjury-interface.yaml")
OUTPUT = Path(__file__).resolve().parent.parent / "syncd" / "platform" / "catalogue.json"
ENVELOPE = {"session_id", "function_id"}
FEE_ROWS_MAX = 300
ILLNESS_LATE_UPLOAD = "illness_late_upload"

# function_id -> (logical name, kind, settings key when the id is configurable).  Kinds are
# requirements.md's "Kind" column; "state change, money" is MONEY.
TRANSACTIONS: dict[str | None, tuple[str, str, str | None]] = {
    "sys0001": ("login", "session", None),
    "bizh110001": ("outpatient_person_info", "query", None),
    "bizh110102": ("outpatient_business_info", "query", None),
    "bizh110103": ("outpatient_refund_info", "query", None),
    "bizh110104": ("outpatient_registration", "state_change", None),
    "bizh110105": ("outpatient_charge", "money", None),
    "bizh110106": ("outpatient_registration_cancel", "state_change", None),
    "bizh120001": ("inpatient_person_info", "query", None),
    "bizh120103": ("inpatient_admission", "state_change", None),
    "bizh120102": ("inpatient_business_info", "query", None),
    "bizh120002": ("inpatient_fee_upload", "state_change", None),
    "bizh120003": ("inpatient_pre_settlement", "query", None),
    "bizh120105": ("inpatient_discharge", "state_change", None),
    "bizh120106": ("inpatient_settlement", "money", None),
    "bizh120104": ("inpatient_admission_update", "state_change", None),
    "bizh120109": ("inpatient_admission_cancel", "state_change", None),
    "bizh120108": ("inpatient_discharge_cancel", "state_change", None),
    "bizh120004": ("inpatient_fee_delete", "state_change", None),
    "bizh120107": ("inpatient_settlement_cancel", "money", None),
    "bizh120206": ("settlement_slip", "query", "settlement_slip"),
    "bizh200101": ("medical_record_patient", "upload", "medical_record_patient"),
    "bizh200102": ("medical_record_diagnosis", "upload", None),
    "bizh200103": ("medical_record_surgery", "upload", None),
    "bizh200104": ("medical_record_newborn", "upload", None),
    "bizh200105": ("medical_record_oncology", "upload", None),
    "bizh200106": ("medical_record_discharge_summary", "upload", None),
    "bizh410004": ("cumulative_query", "query", None),
    "bizh410005": ("fund_status_query", "query", None),
    "bizh120205": ("code_table", "query", None),
    None: (ILLNESS_LATE_UPLOAD, "upload", ILLNESS_LATE_UPLOAD),
}

# Reply datasets whose element name the spec does not pin down: our choice (the typed reply
# readers also accept the only dataset of a reply when the name differs).
UNKNOWN_DATASET_NAMES = {
    "bizh410004": "cumulativeinfo",
    "bizh410005": "fundinfo",
    "bizh120206": "fundList",  # S4 maps the list as `fundList`
}

# Request datasets the platform refuses when empty (spec §8.1 bizh110105, §8.2 bizh120002).
REQUIRED_DATASETS = {
    "bizh110105": ["feeinfo"],
    "bizh120002": ["feeinfo"],
    None: ["feeinfo"],
}


def field(raw: dict[str, Any]) -> dict[str, Any]:
    """One spec field -> the catalogue's FieldSpec shape."""
    kind = str(raw.get("type") or "string")
    places_match = re.fullmatch(r"decimal\(scale (\d+)\)", kind)
    if places_match:
        kind, places = "decimal", int(places_match.group(1))
    else:
        kind, places = ("date" if kind.startswith("date") else "string"), None
    return {
        "code": raw["code"],
        "name_zh": raw.get("name_zh", ""),
        "required": raw.get("required") == "yes",
        "type": kind,
        "places": places,
    }


def fields(raw: list[Any]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for item in raw:
        if isinstance(item, dict) and "code" in item and item["code"] not in ENVELOPE:
            seen.setdefault(item["code"], field(item))
    return list(seen.values())


def request_datasets(tx: dict[str, Any], by_id: dict[str | None, Any]) -> dict[str, Any]:
    result = {}
    for name, rows in tx["datasets"].items():
        if isinstance(rows, str):  # "same row layout as bizh110105"
            ref = re.search(r"bizh\d{6}", rows)
            rows = by_id[ref.group(0) if ref else None]["datasets"][name]
        result[name] = fields(rows)
    return result


def dataset_name(fid: str | None, raw: str) -> str:
    if fid in UNKNOWN_DATASET_NAMES:
        return UNKNOWN_DATASET_NAMES[fid]
    return raw.split()[0]


def replies(tx: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    flat: list[Any] = []
    sets: dict[str, Any] = {}
    for item in tx["outputs"]:
        if "flat_fields" in item:
            flat += item["flat_fields"]
        elif "dataset" in item and isinstance(item.get("rows"), list):
            sets[dataset_name(tx["function_id"], item["dataset"])] = fields(item["rows"])
        elif "code" in item:
            flat.append(item)
    return fields(flat), sets


def late_upload(by_id: dict[str | None, Any]) -> dict[str, Any]:
    """The 因病 late upload has the fields of bizh120002, with bka061 required."""
    base = dict(by_id["bizh120002"])
    base.update({k: by_id[None][k] for k in ("name_zh", "name_en", "group", "confidence")})
    fee = [
        dict(f, required="yes") if f.get("code") == "bka061" else f
        for f in base["datasets"]["feeinfo"]
    ]
    base["datasets"] = {"feeinfo": fee}
    base["outputs"] = []
    return base


def entry(fid: str | None, tx: dict[str, Any], by_id: dict[str | None, Any]) -> dict[str, Any]:
    name, kind, configurable = TRANSACTIONS[fid]
    datasets = request_datasets(tx, by_id)
    outputs, output_datasets = replies(tx)
    return {
        "function_id": fid,
        "name": name,
        "name_zh": tx["name_zh"],
        "group": tx["group"],
        "kind": kind,
        "configurable": configurable,
        "confidence": tx.get("confidence", "unknown"),
        "inputs": fields(tx["inputs"]),
        "datasets": datasets,
        "required_datasets": REQUIRED_DATASETS.get(fid, []),
        "outputs": outputs,
        "output_datasets": output_datasets,
        "max_rows": FEE_ROWS_MAX if "feeinfo" in datasets else None,
    }


def build(spec_path: Path) -> dict[str, Any]:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    by_id = {
        tx["function_id"]: tx for tx in spec["transactions"] if tx["function_id"] in TRANSACTIONS
    }
    missing = set(TRANSACTIONS) - set(by_id)
    if missing:
        raise SystemExit(f"spec lacks transactions {sorted(map(str, missing))}")
    by_id[None] = late_upload(by_id) | {"function_id": None}
    functions = [entry(fid, by_id[fid], by_id) for fid in TRANSACTIONS]
    return {"generated_from": spec_path.name, "fee_rows_max": FEE_ROWS_MAX, "functions": functions}


def main(argv: list[str]) -> int:
    spec_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SPEC
    catalogue = build(spec_path)
    text = json.dumps(catalogue, ensure_ascii=False, indent=1)
    OUTPUT.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(catalogue['functions'])} transactions)")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
