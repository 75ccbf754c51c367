"""Write the JSON Schema of mapping files to ``mappings/schema.json``.

Usage: ``.venv/bin/python tools/build_mapping_schema.py [--check]``; ``--check`` writes nothing
and exits 1 when the stored file differs from the models.
"""

from __future__ import annotations

import sys
from pathlib import Path

from syncd.mapping.schema import SCHEMA_FILE, schema_text

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    target = ROOT / SCHEMA_FILE
    text = schema_text()
    if "--check" in argv:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            sys.stderr.write(f"{SCHEMA_FILE} is out of date; run tools/build_mapping_schema.py\n")
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA_FILE}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
