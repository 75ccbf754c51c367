"""The HIS database: the only package that imports SQLAlchemy.

* :mod:`syncd.db.engine` — ``make_engine(settings)``, ``describe(url)``, ``source_errors(url)``
  (SQLAlchemy/DBAPI errors → :class:`~syncd.core.errors.SourceError`, without secrets);
* :mod:`syncd.db.types` — column types per dialect (Unicode text, Decimal money, naive local
  timestamps);
* :mod:`syncd.db.schema` — ``staging_tables(prefix, schema)`` → :class:`StagingTables`, the
  syncd-owned ``WI_*`` tables declared once;
* :mod:`syncd.db.ddl` — ``init_db(engine, tables)`` (create what is missing, nothing else) and
  ``render_ddl(dialect, server_version=…)`` (the DDL in ``sql/<dialect>/schema.sql``; Oracle 11.2:
  ``sql/oracle/schema-11.2.sql``, a sequence and trigger per table);
* :mod:`syncd.db.versions` — the oldest supported server versions, and ``dialect_at(name,
  version)``: a dialect that writes SQL as SQLAlchemy does once connected to that version;
* :mod:`syncd.db.claims` — portable lease claiming (select candidates, conditional UPDATE);
* the stores behind the engine's ports (``outbox_store``, ``request_store``, ``visit_store``,
  ``writeback``, ``archive``, ``feed_source``, ``code_store``), and :mod:`syncd.db.memory`, the
  in-memory fakes of the same ports (held to them by ``tests/contract``).
"""
