"""The shared vocabulary (L0): small frozen values and the one exception tree (stdlib only)."""
