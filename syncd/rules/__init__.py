"""The delivery's pure rules (L1).

The outbox policy (what a row's status becomes), the visit state machines of spec §7, what a
reply writes back and the strategies that resolve an UNKNOWN: no I/O, no clock, no environment.
"""
