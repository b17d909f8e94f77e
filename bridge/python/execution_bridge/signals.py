"""Signal validation (contract section 3, the NAE format), so a bridge refuses a bad signal with
422 before its engine sees it. The same rules as the service's own parser
(src/signals/signal.ts): a signal the service sends always passes; these checks are there for
anything else that reaches the bridge.
"""

import json
import math
import re
from datetime import datetime

MAX_SIGNAL_BYTES = 64 * 1024
ACTIONS = ("BUY", "SELL", "BUY_TO_OPEN", "SELL_TO_OPEN", "BUY_TO_CLOSE", "SELL_TO_CLOSE")
ORDER_TYPES = ("MARKET", "LIMIT", "STOP", "STOP_LIMIT")
# Printable ASCII without spaces at its ends: the id travels as the Idempotency-Key header.
SIGNAL_ID = re.compile(r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$")


class InvalidSignal(ValueError):
    """The signal breaks a rule; the message says which."""


def _refuse_constant(name):
    # json.loads takes NaN and Infinity by default; no signal may carry them.
    raise InvalidSignal("the signal holds %s, which is not a JSON number" % name)


def _text(signal, field, longest):
    value = signal.get(field)
    if value is None:
        raise InvalidSignal("%s is required" % field)
    if not isinstance(value, str) or value == "":
        raise InvalidSignal("%s must be a non-empty string" % field)
    if len(value) > longest:
        raise InvalidSignal("%s must be at most %d characters" % (field, longest))
    return value


def _choice(signal, field, values):
    value = signal.get(field)
    # ASCII letters only: str.upper() maps look-alikes such as "ſell" to "SELL".
    upper = re.sub(r"[a-z]+", lambda letters: letters.group(0).upper(), value) if isinstance(value, str) else None
    if upper not in values:
        raise InvalidSignal("%s must be one of %s" % (field, ", ".join(values)))
    return upper


def _positive(signal, field):
    value = signal.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidSignal("%s must be a finite number greater than 0" % field)
    if value <= 0:
        raise InvalidSignal("%s must be greater than 0" % field)
    return value


def _iso_time(text):
    try:
        datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
        return True
    except ValueError:
        return False


def parse_signal(raw):
    """The signal in ``raw`` (bytes), validated and normalised; raises InvalidSignal.

    ``action`` and ``order_type`` are upper-cased, null fields dropped, every other field kept.
    """
    if len(raw) > MAX_SIGNAL_BYTES:
        raise InvalidSignal("the signal is %d bytes, larger than 64 KiB" % len(raw))
    try:
        parsed = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise InvalidSignal("the signal is not valid UTF-8") from error
    except ValueError as error:
        if isinstance(error, InvalidSignal):
            raise
        raise InvalidSignal("the signal is not valid JSON: %s" % error) from error
    if not isinstance(parsed, dict):
        raise InvalidSignal("the signal must be a JSON object")
    signal = {field: value for field, value in parsed.items() if value is not None}

    signal_id = _text(signal, "signal_id", 128)
    if not SIGNAL_ID.match(signal_id):
        raise InvalidSignal("signal_id must be printable ASCII without spaces at its ends")
    _text(signal, "symbol", 64)
    signal["action"] = _choice(signal, "action", ACTIONS)
    signal["order_type"] = _choice(signal, "order_type", ORDER_TYPES)
    quantity = _positive(signal, "quantity")
    notional = _positive(signal, "notional")
    if (quantity is None) == (notional is None):
        raise InvalidSignal("exactly one of quantity or notional is required")
    limit_price = _positive(signal, "limit_price")
    stop_price = _positive(signal, "stop_price")
    if signal["order_type"] in ("LIMIT", "STOP_LIMIT") and limit_price is None:
        raise InvalidSignal("limit_price is required for %s orders" % signal["order_type"])
    if signal["order_type"] in ("STOP", "STOP_LIMIT") and stop_price is None:
        raise InvalidSignal("stop_price is required for %s orders" % signal["order_type"])
    expires_at = signal.get("expires_at")
    if expires_at is not None and not (isinstance(expires_at, str) and _iso_time(expires_at)):
        raise InvalidSignal("expires_at must be an ISO 8601 date-time such as 2026-11-25T14:35:00Z")
    return signal
