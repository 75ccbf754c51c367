"""The objects of a process's start-up leave the garbage collector's generations once
(``settle_start_up_heap``): the first engine of a process freezes them, later ones do not
freeze what the process made since."""

from __future__ import annotations

import gc

from syncd.service.worker import settle_start_up_heap


def test_the_start_up_heap_is_frozen_once_per_process() -> None:
    settle_start_up_heap()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    made_since = [[n] for n in range(1000)]  # containers the collector tracks
    settle_start_up_heap()
    assert gc.get_freeze_count() == frozen
    assert all(gc.is_tracked(item) for item in made_since)
