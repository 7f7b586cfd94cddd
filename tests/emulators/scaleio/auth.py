"""Gateway authentication: Basic user:password at GET /api/login buys a token;
every other call sends Basic <anything>:<token>.

A token dies `lifetime` seconds after login (absolute) or `idle` seconds after
its last use, whichever comes first; 0 disables a limit.  Expired tokens are
forgotten, so they are indistinguishable from unknown ones (both are 401).
"""

import base64
import binascii
import os
import threading
import time

DEFAULT_LIFETIME = 8 * 3600   # ScaleIO 2.x: 8 h
DEFAULT_IDLE = 10 * 60        # ... or 10 min without use


def parse_basic(header):
    """(user, secret) from an Authorization header value, or None."""
    if not header:
        return None
    parts = header.strip().split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "basic":
        return None
    try:
        text = base64.b64decode(parts[1].strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    if ":" not in text:
        return None
    user, secret = text.split(":", 1)
    return user, secret


class TokenStore:
    def __init__(self, user, password, lifetime=DEFAULT_LIFETIME, idle=DEFAULT_IDLE, clock=time.monotonic):
        self.user = user
        self.password = password
        self.lifetime = float(lifetime)
        self.idle = float(idle)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = {}          # token -> [user, created, last_used]
        self.issued = 0
        self.expired = 0

    def login(self, header):
        """A new token for valid user:password, else None."""
        cred = parse_basic(header)
        if cred is None or cred != (self.user, self.password):
            return None
        # the shape of a real token: base64("user:<epoch ms>:<hex>")
        raw = "%s:%d:%s" % (cred[0], int(time.time() * 1000), os.urandom(8).hex())
        token = base64.b64encode(raw.encode()).decode().rstrip("=")
        now = self._clock()
        with self._lock:
            self._tokens[token] = [cred[0], now, now]
            self.issued += 1
        return token

    def _alive(self, entry, now):
        _, created, last = entry
        if self.lifetime > 0 and now - created >= self.lifetime:
            return False
        if self.idle > 0 and now - last >= self.idle:
            return False
        return True

    def check(self, header):
        """The token's login user when header carries a live token (any user name), else None.
        A successful check counts as use (resets the idle timer)."""
        cred = parse_basic(header)
        if cred is None:
            return None
        token = cred[1]
        now = self._clock()
        with self._lock:
            entry = self._tokens.get(token)
            if entry is None:
                return None
            if not self._alive(entry, now):
                del self._tokens[token]
                self.expired += 1
                return None
            entry[2] = now
            return entry[0]

    def logout(self, header):
        cred = parse_basic(header)
        with self._lock:
            if cred is not None:
                self._tokens.pop(cred[1], None)

    def expire_all(self):
        with self._lock:
            n = len(self._tokens)
            self._tokens.clear()
            self.expired += n
        return n

    def set_limits(self, lifetime=None, idle=None):
        with self._lock:
            if lifetime is not None:
                self.lifetime = float(lifetime)
            if idle is not None:
                self.idle = float(idle)

    def describe(self):
        now = self._clock()
        with self._lock:
            live = sum(1 for e in self._tokens.values() if self._alive(e, now))
            return {"lifetime": self.lifetime, "idle": self.idle, "live": live,
                    "issued": self.issued, "expired": self.expired}
