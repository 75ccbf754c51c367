"""The engine steps (L3): feed pipeline, command runner, delivery, leases; storage through ports."""
