"""Placeholder for the LEAN (self-hosted) engine call; see README.md beside this file.

Wire it like example.py does the paper broker:

    Bridge(adapter.place_order, SqliteStore(path), lookup_order=adapter.lookup_order)

Nothing here calls LEAN: fill both functions in for your algorithm.
"""

from execution_bridge import UNKNOWN  # noqa: F401 - for lookup_order's "cannot tell yet"


def place_order(signal, key, epoch):
    """Hand the signal to the algorithm's thread, which calls self.market_order(..., tag=key) (or
    limit_order, stop_market_order, stop_limit_order by signal["order_type"]); wait for its
    on_order_event; return a report (a dict with at least order_id). Raise OrderRejected for an
    INVALID order, EngineUnavailable only when the order certainly never reached LEAN, anything
    else when its fate is unknown."""
    raise NotImplementedError("LEAN: hand the order to the running algorithm here (README.md, option A)")


def lookup_order(key, signal):
    """("placed", report) for an order tagged with key in self.transactions.get_orders(...),
    NOT_PLACED only when LEAN has none and never will, else UNKNOWN."""
    raise NotImplementedError("LEAN: look the order up by its tag here")
