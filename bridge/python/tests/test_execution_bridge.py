"""The Python kit's own promises, standard library only (run by npm test through
test/bridge/pythonKit.test.ts, or by hand: python3 -m unittest discover -s bridge/python/tests).

The store survives a reopen and lets one of concurrent claims through; the bridge never forgets
an order in doubt (409 until the engine's lookup or a person settles it), frees refused orders,
keeps its fence across a restart, and refuses bad signals.
"""

import json
import os
import shutil
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from execution_bridge import NOT_PLACED, UNKNOWN, Bridge, EngineUnavailable, InvalidSignal, OrderRejected, SqliteStore, parse_signal  # noqa: E402


def signal(signal_id, **fields):
    body = {"signal_id": signal_id, "symbol": "AAPL", "action": "BUY", "quantity": 1, "order_type": "MARKET"}
    body.update(fields)
    return body


def post(bridge, signal_id, epoch=5, body=None):
    headers = {"Idempotency-Key": signal_id, "X-Leader-Epoch": str(epoch)}
    return bridge.handle("POST", "/orders", headers, json.dumps(body or signal(signal_id)).encode())


def lookup(bridge, signal_id, epoch=5):
    return bridge.handle("GET", "/orders/" + signal_id, {"X-Leader-Epoch": str(epoch)}, b"")


def refuse(*args):
    raise AssertionError("the engine must not be called")


class KitTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bridge-kit-py-")
        self.path = os.path.join(self.dir, "store.sqlite3")
        self.stores = []

    def tearDown(self):
        for store in self.stores:
            try:
                store.close()
            except Exception:  # noqa: BLE001 - closed by the test already
                pass
        shutil.rmtree(self.dir)

    def store(self):
        store = SqliteStore(self.path)
        self.stores.append(store)
        return store


class StoreTest(KitTest):
    def test_keeps_records_and_the_epoch_across_a_reopen(self):
        first = self.store()
        self.assertIsNone(first.begin("a", signal("a"), 3))
        self.assertIsNone(first.begin("b", signal("b"), 3))
        self.assertIsNone(first.begin("c", signal("c"), 3))
        first.complete("b", {"order_id": "o-b"})
        first.forget("c")
        first.raise_epoch(9)
        first.raise_epoch(4)
        first.close()
        second = self.store()
        self.assertEqual(second.get("a")["state"], "in_progress")
        self.assertEqual(second.get("a")["signal"], signal("a"))
        self.assertEqual(second.get("b")["report"], {"order_id": "o-b"})
        self.assertIsNone(second.get("c"))
        self.assertEqual(second.highest_epoch(), 9)

    def test_lets_exactly_one_of_concurrent_claims_through(self):
        store = self.store()
        results = []
        threads = [threading.Thread(target=lambda: results.append(store.begin("k", signal("k"), 1))) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sum(1 for result in results if result is None), 1)
        self.assertEqual(len(results), 8)


class BridgeTest(KitTest):
    def test_an_order_left_in_progress_by_a_crash_is_409_until_the_engine_lookup_settles_it(self):
        crashed = self.store()
        crashed.begin("sig-1", signal("sig-1"), 5)
        crashed.close()
        answers = [UNKNOWN]
        bridge = Bridge(refuse, self.store(), lookup_order=lambda key, order: answers[0])
        bridge.resolve_now()
        self.assertEqual(lookup(bridge, "sig-1")[0], 409)
        self.assertEqual(post(bridge, "sig-1")[0], 409)
        answers[0] = ("placed", {"order_id": "engine-7"})
        bridge.resolve_now()
        self.assertEqual(lookup(bridge, "sig-1"), (200, {"order_id": "engine-7"}))
        self.assertEqual(post(bridge, "sig-1"), (200, {"order_id": "engine-7"}))

    def test_an_order_in_doubt_is_freed_only_by_the_engine_or_a_person(self):
        crashed = self.store()
        crashed.begin("sig-2", signal("sig-2"), 5)
        crashed.begin("sig-3", signal("sig-3"), 5)
        crashed.begin("sig-4", signal("sig-4"), 5)
        crashed.close()
        without_lookup = Bridge(lambda order, key, epoch: {"order_id": "again"}, self.store())
        without_lookup.resolve_now()
        self.assertEqual(lookup(without_lookup, "sig-2")[0], 409)
        without_lookup.settle("sig-2", None)
        self.assertEqual(lookup(without_lookup, "sig-2")[0], 404)
        self.assertEqual(post(without_lookup, "sig-2"), (200, {"order_id": "again"}))
        without_lookup.settle("sig-3", {"order_id": "reconciled"})
        self.assertEqual(lookup(without_lookup, "sig-3"), (200, {"order_id": "reconciled"}))
        with self.assertRaises(ValueError):
            without_lookup.settle("sig-3", None)
        with_lookup = Bridge(refuse, self.store(), lookup_order=lambda key, order: NOT_PLACED)
        with_lookup.resolve_now()
        self.assertEqual(lookup(with_lookup, "sig-4")[0], 404)

    def test_an_engine_call_that_ends_without_an_answer_stays_in_doubt_refused_ones_are_freed(self):
        def place(order, key, epoch):
            if key == "rejected":
                raise OrderRejected("no such symbol")
            if key == "down":
                raise EngineUnavailable("broker gateway refused the connection")
            raise TimeoutError("socket timed out")

        bridge = Bridge(place, self.store(), lookup_order=lambda key, order: ("placed", {"order_id": "found"}))
        self.assertEqual(post(bridge, "rejected"), (422, {"error": "no such symbol"}))
        self.assertEqual(post(bridge, "down")[0], 503)
        self.assertEqual(lookup(bridge, "rejected")[0], 404)
        self.assertEqual(lookup(bridge, "down")[0], 404)
        status, body = post(bridge, "lost")
        self.assertEqual((status, body["error"]), (409, "in_progress"))
        self.assertEqual(lookup(bridge, "lost")[0], 409)
        bridge.resolve_now()
        self.assertEqual(lookup(bridge, "lost"), (200, {"order_id": "found"}))

    def test_the_fence_survives_a_restart_and_refuses_a_lower_epoch_order_unplaced(self):
        first = self.store()
        Bridge(refuse, first).handle("GET", "/health", {"X-Leader-Epoch": "12"}, b"")
        first.close()
        placed = []
        after = Bridge(lambda order, key, epoch: placed.append(key) or {"order_id": key}, self.store())
        self.assertEqual(post(after, "late", epoch=11), (409, {"error": "stale_epoch", "epoch": 12}))
        self.assertEqual(lookup(after, "late", epoch=12)[0], 404)
        self.assertEqual(post(after, "current", epoch=12)[0], 200)
        self.assertEqual(placed, ["current"])

    def test_bad_signals_get_422_and_are_not_placed(self):
        bridge = Bridge(refuse, self.store())
        no_symbol = signal("s-1")
        del no_symbol["symbol"]
        for body in (no_symbol, signal("s-2", quantity=-1), signal("s-3", notional=5), signal("s-4", order_type="LIMIT")):
            status, answer = post(bridge, body["signal_id"], body=body)
            self.assertEqual(status, 422, answer)
            self.assertEqual(lookup(bridge, body["signal_id"])[0], 404)


class SignalTest(unittest.TestCase):
    def test_normalises_enums_and_drops_nulls(self):
        parsed = parse_signal(json.dumps(signal("x", action="sell", order_type="limit", limit_price=2.5, notional=None)).encode())
        self.assertEqual((parsed["action"], parsed["order_type"]), ("SELL", "LIMIT"))
        self.assertNotIn("notional", parsed)

    def test_refuses_what_the_contract_refuses(self):
        for raw in (b"[]", b"{", b"\xff", json.dumps(signal(" x")).encode(), b'{"signal_id":"x","symbol":"A","action":"BUY","quantity":NaN,"order_type":"MARKET"}',
                    json.dumps(signal("x", action="\u017fell")).encode(), json.dumps(signal("x", expires_at="soon")).encode(), b" " * (64 * 1024 + 1)):
            with self.assertRaises(InvalidSignal, msg=raw[:60]):
                parse_signal(raw)


if __name__ == "__main__":
    unittest.main()
