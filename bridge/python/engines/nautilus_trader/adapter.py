"""Placeholder for the NautilusTrader engine call; see README.md beside this file.

Wire it like example.py does the paper broker:

    Bridge(adapter.place_order, SqliteStore(path), lookup_order=adapter.lookup_order)

Nothing here calls NautilusTrader: fill both functions in for your strategy and TradingNode.
"""

from execution_bridge import UNKNOWN  # noqa: F401 - for lookup_order's "cannot tell yet"


def place_order(signal, key, epoch):
    """Record key -> client_order_id durably, hand the signal to the TradingNode's loop where the
    strategy builds the order (order_factory, tags=[key]) and calls submit_order, and wait for
    its accepted/filled event; return a report. OrderRejected when denied or rejected,
    EngineUnavailable only when nothing was submitted, anything else when its fate is unknown."""
    raise NotImplementedError("NautilusTrader: hand the order to your strategy in the TradingNode here")


def lookup_order(key, signal):
    """("placed", report) when the cache holds an accepted or filled order for key's
    client_order_id, NOT_PLACED when denied, rejected or absent after reconciliation, else UNKNOWN."""
    raise NotImplementedError("NautilusTrader: look the order up in the strategy's cache here")
