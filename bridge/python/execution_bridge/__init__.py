"""The reference engine bridge in Python, standard library only (Python 3.9+): the protocol of
bridge/openapi.yaml around an integrator's ``place_order`` and ``lookup_order``. See README.md."""

from .core import NOT_PLACED, UNKNOWN, Bridge, EngineUnavailable, OrderRejected
from .server import serve
from .signals import InvalidSignal, parse_signal
from .store import SqliteStore

__all__ = [
    "Bridge",
    "EngineUnavailable",
    "InvalidSignal",
    "NOT_PLACED",
    "OrderRejected",
    "SqliteStore",
    "UNKNOWN",
    "parse_signal",
    "serve",
]
