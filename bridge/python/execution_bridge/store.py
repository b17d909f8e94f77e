"""The idempotency store of a bridge, in SQLite (standard library ``sqlite3``).

What it promises (the protocol rests on it, see bridge/openapi.yaml):

- a key is recorded in progress, committed to disk, BEFORE the engine is called, so a repeat
  while it is placed gets 409 and a crash while placing leaves a record behind;
- a placed key keeps its report, so a repeat gets the same report and places nothing;
- every key received is in it (unless the engine did not place it), which is what makes a 404
  to a lookup true;
- the highest ``X-Leader-Epoch`` seen survives a restart, or a restarted fencing bridge would
  take an old leader's late order.

SQLite in WAL mode with ``synchronous=FULL``: a committed transaction survives a crash and a
power cut. One connection, behind a lock, shared by the server's threads: claims are atomic
because the key is the primary key and ``INSERT OR IGNORE`` tells whether this call inserted it.
"""

import json
import sqlite3
import threading
import time

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('in_progress', 'placed')),
    signal TEXT,
    epoch INTEGER,
    report TEXT,
    since REAL NOT NULL,
    placed_at REAL
);
CREATE TABLE IF NOT EXISTS fence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    highest_epoch INTEGER NOT NULL
);
"""

SEVEN_DAYS = 7 * 24 * 3600.0


def _record(row):
    key, state, signal, epoch, report, since, placed_at = row
    if state == "placed":
        return {"state": "placed", "key": key, "report": json.loads(report), "placed_at": placed_at}
    return {"state": "in_progress", "key": key, "signal": json.loads(signal), "epoch": epoch, "since": since}


class SqliteStore:
    """The store in one SQLite file; ``retain_seconds`` is how long placed records are kept."""

    def __init__(self, path, retain_seconds=SEVEN_DAYS):
        self._lock = threading.Lock()
        # Autocommit mode: every statement below is its own transaction, committed when it returns.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        # Placed records past the retention go; records in progress never do (they are in doubt).
        self._db.execute(
            "DELETE FROM orders WHERE state = 'placed' AND placed_at < ?", (time.time() - retain_seconds,)
        )
        row = self._db.execute("SELECT highest_epoch FROM fence WHERE id = 1").fetchone()
        # Read once, then kept in step: most requests carry an epoch already seen and write nothing.
        self._highest = None if row is None else row[0]

    def get(self, key):
        with self._lock:
            row = self._db.execute(
                "SELECT key, state, signal, epoch, report, since, placed_at FROM orders WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else _record(row)

    def begin(self, key, signal, epoch):
        """Claims ``key``: None when this call recorded it in progress, else the existing record."""
        with self._lock:
            inserted = self._db.execute(
                "INSERT OR IGNORE INTO orders (key, state, signal, epoch, since) VALUES (?, 'in_progress', ?, ?, ?)",
                (key, json.dumps(signal), epoch, time.time()),
            ).rowcount
        return None if inserted == 1 else self.get(key)

    def complete(self, key, report):
        with self._lock:
            self._db.execute(
                "UPDATE orders SET state = 'placed', report = ?, placed_at = ? WHERE key = ?",
                (json.dumps(report), time.time(), key),
            )

    def forget(self, key):
        """The order of ``key`` was not placed and never will be: as if it had never been received."""
        with self._lock:
            self._db.execute("DELETE FROM orders WHERE key = ?", (key,))

    def in_progress(self):
        with self._lock:
            rows = self._db.execute(
                "SELECT key, state, signal, epoch, report, since, placed_at FROM orders WHERE state = 'in_progress'"
            ).fetchall()
        return [_record(row) for row in rows]

    def highest_epoch(self):
        with self._lock:
            return self._highest

    def raise_epoch(self, epoch):
        """Raises the highest epoch to ``epoch`` if higher; committed when it returns."""
        # Under the lock: a request at the same epoch returns only once the raise is on disk.
        with self._lock:
            if self._highest is not None and epoch <= self._highest:
                return
            self._db.execute(
                "INSERT INTO fence (id, highest_epoch) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET highest_epoch = MAX(highest_epoch, excluded.highest_epoch)",
                (epoch,),
            )
            self._highest = epoch

    def close(self):
        with self._lock:
            self._db.close()
