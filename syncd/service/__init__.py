"""The daemon and its composition (L4): worker, scheduler, systemd, the dry-run renderer."""
