"""Writing checked patient scores in chunks, inside the caller's transaction.

PostgreSQL gets one COPY for the whole file (psycopg streams the rows; the
server sees a single statement). Elsewhere (SQLite) rows go in as chunks of
``WRITE_CHUNK`` through ``executemany`` on plain tuples: ``bulk_create`` would
build a model instance per row, several times the memory of the tuple, which
is what the streaming import is careful to avoid.
"""

import contextlib

from django.db import connection

from reports.models import PatientFeedback

from .rows import Row

WRITE_CHUNK = 5000
COLUMNS = ("batch_id", "site_id", "team_id", "date", "score", "channel")


class ChunkWriter:
    """Rows for one batch. A context manager: leaving it normally writes what
    is pending (and ends the COPY); leaving it on an exception abandons the
    COPY, and the caller's transaction rolls everything back."""

    def __init__(self, batch_id: int):
        self.batch_id = batch_id
        self.pending: list[Row] = []
        self.written = 0
        self._stack = contextlib.ExitStack()
        self._copy = None
        self._cursor = None

    def _table_and_columns(self) -> tuple[str, str]:
        quote = connection.ops.quote_name
        return (
            quote(PatientFeedback._meta.db_table),
            ", ".join(quote(column) for column in COLUMNS),
        )

    def __enter__(self):
        table, columns = self._table_and_columns()
        self._cursor = self._stack.enter_context(connection.cursor())
        if connection.vendor == "postgresql":
            self._copy = self._stack.enter_context(
                self._cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN")
            )
        else:
            placeholders = ", ".join(["%s"] * len(COLUMNS))
            self._insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is None:
            try:
                self.flush()
            except BaseException as error:
                self._stack.__exit__(type(error), error, error.__traceback__)
                raise
        return self._stack.__exit__(exc_type, exc, traceback)

    def add(self, row: Row) -> bool:
        """Queue a row; True when a chunk was written."""
        self.pending.append(row)
        if len(self.pending) >= WRITE_CHUNK:
            self.flush()
            return True
        return False

    def flush(self):
        if not self.pending:
            return
        batch_id = self.batch_id
        if self._copy is not None:
            write_row = self._copy.write_row
            for row in self.pending:
                write_row((batch_id, *row))
        else:
            adapt = connection.ops.adapt_datefield_value
            self._cursor.executemany(
                self._insert,
                (
                    (batch_id, site_id, team_id, adapt(day), score, channel)
                    for site_id, team_id, day, score, channel in self.pending
                ),
            )
        self.written += len(self.pending)
        self.pending = []
