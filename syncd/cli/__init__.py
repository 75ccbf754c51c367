"""The ``syncd`` command line: parse arguments, build the parts, call one function, exit.

This module is what the ``syncd`` script imports, so it imports nothing itself: ``syncd
--version`` answers from here alone, everything else goes to :mod:`syncd.cli.app` (the click
group, whose subcommands are imported only when they run).
"""

from __future__ import annotations

import sys

from syncd import __version__

VERSION_LINE = f"syncd, version {__version__}"


def main() -> None:
    """The ``syncd`` script."""
    if sys.argv[1:] in (["--version"], ["-V"]):
        print(VERSION_LINE)
        return
    from syncd.cli.app import run

    run()
