"""The delivery's pure rules (L1).

The outbox policy (what a row's status becomes), the visit state machines of spec §7, what a
reply writes back, how a call ended (``conclusion``), and UNKNOWN handling: the per-function
strategies and the verdict on what they found (``resolve``, ``resolve.verdict``).  No I/O, no
clock, no environment.
"""
