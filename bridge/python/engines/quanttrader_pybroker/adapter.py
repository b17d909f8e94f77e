"""Placeholder for the QuantTrader (live) engine call; see README.md beside this file. PyBroker
is backtesting only and is not called to place orders.

Wire it like example.py does the paper broker:

    Bridge(adapter.place_order, SqliteStore(path), lookup_order=adapter.lookup_order)

Nothing here calls QuantTrader or Interactive Brokers: fill both functions in.
"""

from execution_bridge import UNKNOWN  # noqa: F401 - for lookup_order's "cannot tell yet"


def place_order(signal, key, epoch):
    """Record key -> order id (from the brokerage's next_order_id()) durably, build the order
    event from the signal, call the live InteractiveBrokers brokerage's place_order, and wait for
    its acknowledgement or fill; return a report. OrderRejected when IB refuses it,
    EngineUnavailable only when nothing was sent, anything else when its fate is unknown."""
    raise NotImplementedError("QuantTrader: place the order through the live IB brokerage here")


def lookup_order(key, signal):
    """("placed", report) when IB knows the order id mapped to key, NOT_PLACED when it was never
    sent or IB does not know it after reconciling, else UNKNOWN."""
    raise NotImplementedError("QuantTrader: look the order up by its mapped order id here")
