"""``syncd simulator --persons FILE --items FILE`` as a DBA runs it for a rehearsal with the
hospital's own persons and item codes: it starts with them and serves over HTTP; a bad file
stops it at once with file:line (exit 78).  (What the files hold: tests/unit.)"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

SYNCD = shutil.which("syncd") or str(Path(sys.executable).with_name("syncd"))
PERSONS = "aac001,aac002,aac003\n2000000001,440106198503124219,陈大文\n"
ITEMS = "ake005,class,self_pay,name\nHIS001,covered,,\nHIS002,partly,0.30,\n"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}


def test_a_bad_items_file_stops_the_simulator_at_its_line(tmp_path: Path) -> None:
    persons, items = tmp_path / "persons.csv", tmp_path / "items.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    items.write_text(ITEMS.replace("partly", "half"), encoding="utf-8")
    args = [SYNCD, "simulator", "--port", "0", "--persons", str(persons), "--items", str(items)]
    result = subprocess.run(args, capture_output=True, text=True, env=_env(), timeout=60)
    assert result.returncode == 78, result.stderr
    assert f"{items}:3: 类别须为 covered / partly / self-pay" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_simulator_starts_with_the_files_and_stops_on_sigterm(tmp_path: Path) -> None:
    persons, items = tmp_path / "persons.csv", tmp_path / "items.csv"
    persons.write_text(PERSONS, encoding="utf-8")
    items.write_text(ITEMS, encoding="utf-8")
    args = [SYNCD, "simulator", "--port", "0"]
    args += ["--persons", str(persons), "--items", str(items)]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, env=_env())
    try:
        assert proc.stderr is not None
        found = None
        for _ in range(20):  # the log lines first, then 模拟平台监听 <endpoint>
            line = proc.stderr.readline()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if found or not line:
                break
        assert found, line
        with urllib.request.urlopen(f"http://127.0.0.1:{found[1]}/_sim/calls", timeout=5) as r:
            assert r.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
