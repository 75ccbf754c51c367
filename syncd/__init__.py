"""syncd: the HIS <-> Guangdong work-injury settlement platform synchronisation daemon."""

__version__ = "0.1.0"
