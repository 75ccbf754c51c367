"""``syncd demo``: a synthetic work-injury day on the embedded default (L4)."""
