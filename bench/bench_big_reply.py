"""The daemon's memory under one huge platform reply (prints numbers, asserts nothing).

Each case seeds the reference HIS in a fresh SQLite file, hides the day, starts
``syncd simulator`` and ``syncd run`` (real processes) and lets the daemon admit one stay while
the simulator answers the admission with a reply of the given size (fault ``oversize``).  Read
from /proc of the daemon: its steady resident size polling the empty HIS (idle) and its peak
resident size (VmHWM, reset just before) until the admission row has SUCCEEDED.

Cases, side by side:

(a) an ordinary reply (1 KiB) — what admitting one stay costs anyway;
(b) a 100 MB reply with the default ``platform.max_reply_bytes`` (4 MiB): read up to the
    limit, UNKNOWN, resolved by the business query;
(c) the same reply with ``max_reply_bytes: 268435456`` (256 MiB): read whole, parsed and
    archived — what the daemon did before the limit existed.

Run: ``.venv/bin/python bench/bench_big_reply.py [--size-mb 100]`` (Linux only).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "resilience"))

from daemon_support import admission_under_a_big_reply, hide_the_day, site  # noqa: E402

MIB = 1024 * 1024


def measure(size: int, limit: int | None) -> tuple[int, int]:
    with tempfile.TemporaryDirectory(prefix="bench-big-reply-") as folder:
        url = f"sqlite:///{folder}/his.db"
        with site(Path(folder), url) as here:
            if limit is not None:
                here.write_config(platform={"max_reply_bytes": limit})
            hide_the_day(here)
            return admission_under_a_big_reply(here, here.start(), size)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=100, help="the huge reply, in MB")
    args = parser.parse_args(argv)
    size = args.size_mb * MIB
    cases = [
        ("(a) ordinary reply, 1 KiB", 1024, None),
        (f"(b) {args.size_mb} MB reply, limit 4 MiB (default)", size, None),
        (f"(c) {args.size_mb} MB reply, limit 256 MiB (read whole)", size, 256 * MIB),
    ]
    print(f"{'case':52} {'idle':>9} {'peak':>9} {'growth':>9}")
    for name, reply_size, limit in cases:
        idle, peak = measure(reply_size, limit)
        print(
            f"{name:52} {idle / 1024:7.1f}Mi {peak / 1024:7.1f}Mi {(peak - idle) / 1024:7.1f}Mi",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
