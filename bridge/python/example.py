"""The example bridge: the kit around a paper broker, as a process. Run it with

    python3 bridge/python/example.py

and point an engine URL at it (ENGINE_QUANTTRADER_PYBROKER_URL=http://127.0.0.1:8082). Settings
(environment): HOST (127.0.0.1), PORT (8082; 0 for any free one), BRIDGE_STORE (the idempotency
store, ./bridge-data/store.sqlite3), PAPER_FILLS (the broker's fills, beside the store),
PAPER_FILL_MS (how long a fill takes, 50), BRIDGE_FENCING (true). It logs JSON lines on stdout,
the first that counts being {"msg": "listening", "url": ...}.

For a real engine, replace PaperBroker with the engine's order call and lookup: engines/*/.
"""

import json
import os
import signal
import sys
import threading
import time
from datetime import datetime, timezone

from execution_bridge import NOT_PLACED, Bridge, SqliteStore, serve

_print_lock = threading.Lock()


def log(msg, **fields):
    line = dict(at=datetime.now(timezone.utc).isoformat(), msg=msg, **fields)
    with _print_lock:
        print(json.dumps(line), flush=True)


def setting(name, fallback):
    value = os.environ.get(name, "")
    return value if value != "" else fallback


def whole(name, fallback):
    text = setting(name, str(fallback))
    if not text.isdigit():
        sys.exit("%s must be a whole number >= 0, got %r" % (name, text))
    return int(text)


class PaperBroker:
    """Every order fills in full after ``fill_ms`` (a real broker's confirmation time) at its limit
    or stop price, or a made-up 100 for a market order: there is no market data here. Fills are
    appended to a file and fsync'd, so the broker remembers them across a restart as a real one
    would, and its lookup tells a restarted bridge the truth about an order it was placing."""

    def __init__(self, path, fill_ms):
        self._path = path
        self._fill_ms = fill_ms
        self._lock = threading.Lock()
        self._fills = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as lines:
                for line in lines:
                    # A line cut short by a crash is a fill never confirmed: dropped.
                    if line.endswith("\n"):
                        fill = json.loads(line)
                        self._fills[fill["signal_id"]] = fill

    def place_order(self, order, key, epoch):
        # The broker's confirmation time, simulated: this is the engine taking its time, not a wait for a test.
        time.sleep(self._fill_ms / 1000.0)
        with self._lock:
            fill = {
                "order_id": "paper-%d" % (len(self._fills) + 1),
                "signal_id": key,
                "symbol": order["symbol"],
                "action": order["action"],
                "status": "filled",
                "filled_quantity": order.get("quantity"),
                "notional": order.get("notional"),
                "average_price": order.get("limit_price") or order.get("stop_price") or 100,
                "filled_at": datetime.now(timezone.utc).isoformat(),
                "engine": "paper",
            }
            with open(self._path, "a", encoding="utf-8") as fills:
                fills.write(json.dumps(fill) + "\n")
                fills.flush()
                os.fsync(fills.fileno())
            self._fills[key] = fill
        return fill

    def lookup_order(self, key, order):
        with self._lock:
            fill = self._fills.get(key)
        # Nothing is in flight at this broker after a restart, so "no fill" is "never placed".
        return NOT_PLACED if fill is None else ("placed", fill)


def main():
    # SIGINT and SIGTERM are blocked in every thread (started below, so they inherit it) and taken
    # by sigwait at the end of main: a clean stop without a handler racing the threads.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    store_path = os.path.abspath(setting("BRIDGE_STORE", "bridge-data/store.sqlite3"))
    os.makedirs(os.path.dirname(store_path), exist_ok=True)
    fills_path = os.path.abspath(setting("PAPER_FILLS", os.path.join(os.path.dirname(store_path), "paper-fills.jsonl")))
    os.makedirs(os.path.dirname(fills_path), exist_ok=True)
    store = SqliteStore(store_path)
    broker = PaperBroker(fills_path, whole("PAPER_FILL_MS", 50))
    # Only for the kit's crash test: dies after the broker filled, before the bridge recorded it.
    crash_after_fill = os.environ.get("PAPER_CRASH_AFTER_FILL") == "1"

    def place_order(order, key, epoch):
        fill = broker.place_order(order, key, epoch)
        if crash_after_fill:
            os.kill(os.getpid(), signal.SIGKILL)
        return fill

    bridge = Bridge(
        place_order,
        store,
        lookup_order=broker.lookup_order,
        fencing=setting("BRIDGE_FENCING", "true") != "false",
        log=log,
    )
    server = serve(bridge, setting("HOST", "127.0.0.1"), whole("PORT", 8082), log=log)
    bridge.start()
    host, port = server.server_address[:2]
    log("listening", url="http://%s:%d" % (host, port), store=store_path, in_doubt=len(store.in_progress()))

    signal.sigwait({signal.SIGINT, signal.SIGTERM})
    server.shutdown()
    bridge.stop()
    store.close()


if __name__ == "__main__":
    main()
