"""The bridge's protocol logic, apart from HTTP: what each request is answered (bridge/openapi.yaml,
contract sections 4 and 7), around the two functions an integrator writes for their engine.

How an order goes: its epoch is remembered (committed) and checked against the fence; the signal
is validated; the store is asked about its key (placed: the same report; in progress: 409); the
key is recorded in progress; only then is ``place_order`` called. Its end decides: a report:
placed (200); ``OrderRejected``: not placed, 422; ``EngineUnavailable``: not placed, 503; any
other exception (a timeout, a lost connection): the outcome is unknown, so the key stays in
progress, answered 409 (never 5xx, which tells the service "not placed" and sends the signal to
another engine), until ``lookup_order`` or a person settles it. The same holds for keys found in
progress at start: a crash's leftovers are settled, never forgotten.
"""

import re
import threading
import traceback

from .signals import InvalidSignal, parse_signal


class OrderRejected(Exception):
    """The engine refused the order: nothing was placed, the signal is at fault (422)."""


class EngineUnavailable(Exception):
    """The engine could not be reached and certainly did not get the order (503)."""


# What lookup_order answers: ("placed", report), NOT_PLACED (the engine promises it has not placed
# it and never will), or UNKNOWN (ask again later).
NOT_PLACED = ("not_placed", None)
UNKNOWN = ("unknown", None)

_EPOCH = re.compile(r"^\s*\d+\s*$")


def _epoch_of(headers):
    """The X-Leader-Epoch as an int, or None when absent or not a whole number (treated as absent)."""
    text = headers.get("X-Leader-Epoch")
    return int(text) if text is not None and _EPOCH.match(text) else None


class Bridge:
    """A bridge around ``place_order(signal, key, epoch) -> report`` and, optionally,
    ``lookup_order(key, signal) -> ("placed", report) | NOT_PLACED | UNKNOWN``.

    ``handle(method, path, headers, body)`` answers ``(status, json_value)``; ``server.serve``
    puts it on HTTP. ``start()`` begins settling orders in doubt (at once, then every
    ``resolve_every`` seconds).
    """

    def __init__(self, place_order, store, lookup_order=None, fencing=True, health=None, resolve_every=5.0, log=None):
        self._place_order = place_order
        self._lookup_order = lookup_order
        self._store = store
        self._fencing = fencing
        self._health = health
        self._resolve_every = resolve_every
        self._log = log or (lambda message, **fields: None)
        # Keys whose place_order runs in this process now: in progress, but not in doubt.
        self._placing = set()
        self._placing_lock = threading.Lock()
        self._resolve_lock = threading.Lock()
        self._warned = set()
        self._stop = threading.Event()
        self._thread = None

    # -- requests ---------------------------------------------------------------------------

    def handle(self, method, path, headers, body):
        epoch = _epoch_of(headers)
        # Every request raises the fence, whatever it asks: a new leader's probe fences the old one.
        if epoch is not None:
            self._store.raise_epoch(epoch)
        if method == "POST" and path == "/orders":
            return self._order(headers, body, epoch)
        if method == "GET" and path == "/health":
            return self._health_answer()
        if method == "GET" and path.startswith("/orders/") and len(path) > len("/orders/"):
            return self._lookup(path[len("/orders/"):])
        return 404, {"error": "no route %s %s" % (method, path)}

    def _answer(self, record):
        if record["state"] == "placed":
            return 200, record["report"]
        return 409, {"error": "in_progress", "detail": "an order for %s is in progress; its outcome is not known yet" % record["key"]}

    def _order(self, headers, body, epoch):
        highest = self._store.highest_epoch()
        if self._fencing and highest is not None and (epoch is None or epoch < highest):
            self._log("refused a stale order", epoch=epoch, highest=highest)
            return 409, {"error": "stale_epoch", "epoch": highest}
        key = headers.get("Idempotency-Key")
        if not key:
            return 400, {"error": "the Idempotency-Key header is required"}
        try:
            signal = parse_signal(body)
        except InvalidSignal as error:
            return 422, {"error": str(error)}
        if signal["signal_id"] != key:
            return 400, {"error": "the Idempotency-Key (%s) differs from the signal_id (%s)" % (key, signal["signal_id"])}

        with self._placing_lock:
            existing = self._store.begin(key, signal, epoch)
            if existing is None:
                self._placing.add(key)
        if existing is not None:
            return self._answer(existing)
        try:
            report = self._place_order(signal, key, epoch)
        except (OrderRejected, EngineUnavailable) as error:
            self._store.forget(key)
            return (422 if isinstance(error, OrderRejected) else 503), {"error": str(error)}
        except Exception as error:  # noqa: BLE001 - any other end of the engine call is an unknown outcome
            self._log("the engine did not say whether it placed an order: in doubt until its lookup settles it", key=key, error=repr(error))
            return 409, {"error": "in_progress", "detail": "the outcome of %s is not known yet: %s" % (key, error)}
        finally:
            with self._placing_lock:
                self._placing.discard(key)
        try:
            self._store.complete(key, report)
        except Exception as error:  # noqa: BLE001 - placed all the same; a restart settles it by lookup
            self._log("placed, but could not record the report", key=key, error=repr(error))
        return 200, report

    def _lookup(self, key):
        record = self._store.get(key)
        if record is None:
            return 404, {"error": "no order for %s" % key}
        return self._answer(record)

    def _health_answer(self):
        try:
            healthy = True if self._health is None else bool(self._health())
        except Exception:  # noqa: BLE001 - a failing health check is an unhealthy engine
            healthy = False
        body = {
            "status": "ok" if healthy else "unavailable",
            "fencing": self._fencing,
            "highest_epoch": self._store.highest_epoch(),
            "in_doubt": len(self._in_doubt()),
        }
        return (200 if healthy else 503), body

    # -- orders in doubt --------------------------------------------------------------------

    def _in_doubt(self):
        with self._placing_lock:
            placing = set(self._placing)
        return [record for record in self._store.in_progress() if record["key"] not in placing]

    def resolve_now(self):
        """One round of lookups over every order in doubt (one round at a time)."""
        with self._resolve_lock:
            for record in self._in_doubt():
                key = record["key"]
                if self._lookup_order is None:
                    if key not in self._warned:
                        self._log("an order is in doubt and there is no lookup_order: reconcile it with the engine, then settle it", key=key)
                        self._warned.add(key)
                    continue
                try:
                    kind, report = self._lookup_order(key, record["signal"])
                except Exception as error:  # noqa: BLE001 - asked again next round
                    self._log("the engine lookup failed; asking again later", key=key, error=repr(error))
                    continue
                with self._placing_lock:
                    current = self._store.get(key)
                    if current is None or current["state"] != "in_progress" or key in self._placing:
                        continue
                    if kind == "placed":
                        self._store.complete(key, report)
                        self._log("settled an order in doubt: placed", key=key)
                    elif kind == "not_placed":
                        self._store.forget(key)
                        self._log("settled an order in doubt: not placed", key=key)

    def settle(self, key, report):
        """Settles ``key`` by hand after reconciling with the engine: its report, or None when not placed."""
        record = self._store.get(key)
        if record is None or record["state"] != "in_progress":
            raise ValueError("%s is not in doubt" % key)
        if report is None:
            self._store.forget(key)
        else:
            self._store.complete(key, report)
        self._log("settled an order in doubt by hand", key=key, placed=report is not None)

    def _resolve_loop(self):
        while True:
            try:
                self.resolve_now()
            except Exception:  # noqa: BLE001 - the loop must outlive a bad round
                self._log("settling orders in doubt failed; trying again later", error=traceback.format_exc())
            if self._stop.wait(self._resolve_every):
                return

    def start(self):
        self._thread = threading.Thread(target=self._resolve_loop, name="resolve-in-doubt", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
