"""Faults on demand, call counts and the recent-request log.

Every /api request has a call key: "<METHOD> <path with ids replaced by {id}>",
e.g. "POST /api/instances/Volume::{id}/action/addMappedSdc".  `match` values
below are substrings of that key ("addMappedSdc", "/api/login", "Sdc").

Fault settings (POST /_emulator/fault, --fault JSON; all optional, merged into
the current settings; DELETE /_emulator/fault or {"clear": true} resets them):

  expire_tokens: true          one-shot: every issued token is invalid from now on
  fail_next: N                 the next N matching requests fail with
  fail_status: 500             ... this HTTP status (default 500)
  fail_error_code: 1           ... this errorCode (default: the INJECTED entry, 1)
  fail_message: "..."          ... this message (default: the INJECTED entry)
  fail_match: "addMappedSdc"   ... counting only requests whose call key contains this (default: all)
  delay: {"addMappedSdc": 2.5} sleep this many seconds before handling matching requests
                               (a value of 0 or null removes that entry)
  fail_sdc_list: true          SDC listings (System/Sdc relationship, /api/types/Sdc/instances) fail
                               with 500 until set false
  unavailable: true            every /api request gets 503 (gateway cannot reach the MDM) until false
  device_delay: 0.5            seconds between a map to this host and its emc-vol link appearing
  token_lifetime / token_idle  seconds (0 = no limit), applied to existing tokens too
"""

import collections
import re
import threading
import time

_ID_RE = re.compile(r"::[^/]+")
_LOG_MAX = 1000
KNOWN_KEYS = {"clear", "expire_tokens", "fail_next", "fail_status", "fail_error_code", "fail_message",
              "fail_match", "delay", "fail_sdc_list", "unavailable", "device_delay", "token_lifetime",
              "token_idle"}


def call_key(method, path):
    return "%s %s" % (method, _ID_RE.sub("::{id}", path))


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self.fail_next = 0
        self.fail_status = 500
        self.fail_error_code = None
        self.fail_message = None
        self.fail_match = None
        self.delay = {}
        self.fail_sdc_list = False
        self.unavailable = False
        self.injected = 0

    def clear(self):
        with self._lock:
            self.fail_next = 0
            self.fail_status = 500
            self.fail_error_code = None
            self.fail_message = None
            self.fail_match = None
            self.delay = {}
            self.fail_sdc_list = False
            self.unavailable = False

    def update(self, spec):
        """Apply the request/rest-of-the-settings part of a fault spec (see module doc).
        Returns the keys it did not handle (the caller handles tokens and devices)."""
        if not isinstance(spec, dict):
            raise ValueError("fault settings must be a JSON object")
        unknown = sorted(set(spec) - KNOWN_KEYS)
        if unknown:
            raise ValueError("unknown fault setting(s): %s" % ", ".join(unknown))
        if spec.get("clear"):
            self.clear()
        rest = {}
        with self._lock:
            for key, val in spec.items():
                if key == "clear":
                    continue
                if key == "fail_next":
                    self.fail_next = max(0, int(val))
                elif key == "fail_status":
                    self.fail_status = int(val)
                elif key == "fail_error_code":
                    self.fail_error_code = None if val is None else int(val)
                elif key == "fail_message":
                    self.fail_message = None if val is None else str(val)
                elif key == "fail_match":
                    self.fail_match = val or None
                elif key == "delay":
                    if not isinstance(val, dict):
                        raise ValueError("delay must be an object {match: seconds}")
                    for m, secs in val.items():
                        if secs:
                            self.delay[str(m)] = float(secs)
                        else:
                            self.delay.pop(str(m), None)
                elif key == "fail_sdc_list":
                    self.fail_sdc_list = bool(val)
                elif key == "unavailable":
                    self.unavailable = bool(val)
                else:
                    rest[key] = val
        return rest

    def take_failure(self, key):
        """(status, code, message) when this request must fail, else None.
        code/message None mean: use the INJECTED table entry."""
        with self._lock:
            if self.fail_next > 0 and (self.fail_match is None or self.fail_match in key):
                self.fail_next -= 1
                self.injected += 1
                return self.fail_status, self.fail_error_code, self.fail_message
        return None

    def delay_for(self, key):
        with self._lock:
            return max([s for m, s in self.delay.items() if m in key] or [0.0])

    def describe(self):
        with self._lock:
            return {"fail_next": self.fail_next, "fail_status": self.fail_status,
                    "fail_error_code": self.fail_error_code, "fail_message": self.fail_message,
                    "fail_match": self.fail_match, "delay": dict(self.delay),
                    "fail_sdc_list": self.fail_sdc_list, "unavailable": self.unavailable,
                    "injected": self.injected}


class CallLog:
    """Counts per call key and per action, plus the last requests with their headers."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        with self._lock:
            self.calls = collections.Counter()
            self.actions = collections.Counter()
            self.total = 0
            self.log = collections.deque(maxlen=_LOG_MAX)
            self.seq = 0

    def record(self, method, path, headers, body, auth_user):
        """Counts the request; returns its log entry (the handler fills in status).
        auth_user: the user name of the Basic header (never the secret), None without one."""
        key = call_key(method, path)
        m = re.search(r"/action/([^/?]+)$", path)
        entry = {"time": time.time(), "method": method, "path": path, "call": key,
                 "accept": headers.get("Accept"), "content_type": headers.get("Content-Type"),
                 "auth_user": auth_user, "body": body, "status": None}
        with self._lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.total += 1
            self.calls[key] += 1
            if m:
                self.actions[m.group(1)] += 1
            self.log.append(entry)
        return entry

    def describe(self):
        with self._lock:
            return {"total": self.total, "calls": dict(self.calls), "actions": dict(self.actions)}

    def requests(self, since=0):
        with self._lock:
            return [dict(e) for e in self.log if e["seq"] > since]
