"""The gateway's error replies: one table of (HTTP status, message, errorCode)
per situation, and the exception the model raises to send one.

The body is always {"message": str, "httpStatusCode": int, "errorCode": int}.
Entries marked "spec" are the codes/messages specs/scaleio-rest.md gives; the
rest are our choice (the spec asks for configurable messages), and every entry
can be replaced at start (seed "errors") or at run time (POST /_emulator/errors).
"""

import copy
import threading

DEFAULT_ERRORS = {
    # status, message and code as the spec gives them (a spec "…" message is ours)
    "UNAUTHORIZED": (401, "Unauthorized", 0),
    "VOLUME_NOT_FOUND": (500, "Could not find the volume", 79),
    "NOT_FOUND": (500, "Not found", 3),
    "NAME_IN_USE": (500, "Volume name already in use. Please use a different name.", 6),
    "ALREADY_MAPPED": (500, "The volume is already mapped to this SDC", 81),
    "NOT_MAPPED": (500, "The volume is not mapped to this SDC", 84),
    "VOLUME_MAPPED": (500, "The volume is mapped to an SDC and cannot be removed", 104),
    # status from the spec, message and/or code ours
    "REMOVAL_IN_PROGRESS": (500, "A volume removal operation is currently in progress", 105),
    "MALFORMED": (400, "The request body is not valid JSON", 0),
    "UNKNOWN_PATH": (404, "The requested resource was not found", 0),
    "UNAVAILABLE": (503, "The gateway cannot communicate with the MDM", 0),
    # all ours
    "MAPPED_ELSEWHERE": (500, "The volume is already mapped to another SDC and allowMultipleMappings is false", 82),
    "NAME_TOO_LONG": (500, "The name is too long: at most 31 characters are allowed", 99),
    "SDC_NOT_FOUND": (500, "Could not find the SDC", 86),
    "POOL_NOT_FOUND": (500, "Could not find the storage pool", 87),
    "PD_NOT_FOUND": (500, "Could not find the protection domain", 88),
    "SYSTEM_NOT_FOUND": (500, "Could not find the system", 89),
    "VTREE_NOT_FOUND": (500, "Could not find the VTree", 90),
    "POOL_NOT_IN_PD": (500, "The storage pool does not belong to the protection domain", 91),
    "BAD_SIZE": (500, "The volume size must be a positive number of KB", 92),
    "NO_CAPACITY": (500, "Insufficient capacity in the storage pool", 93),
    "BAD_VOLUME_TYPE": (500, "Invalid volume type: use ThinProvisioned or ThickProvisioned", 94),
    "BAD_REMOVE_MODE": (500, "Invalid removeMode: use ONLY_ME, INCLUDING_DESCENDANTS, DESCENDANTS_ONLY or "
                               "WHOLE_VTREE", 95),
    "SHRINK": (500, "The new size must be larger than the current size", 96),
    "BAD_PARAMETER": (500, "Invalid or missing parameter", 97),
    "DEVICE_FAILED": (500, "The SDC could not expose the volume", 98),
    "METHOD_NOT_ALLOWED": (405, "Method not allowed", 0),
    "UNSUPPORTED_MEDIA": (415, "Unsupported media type: send Content-Type application/json", 0),
    "NOT_ACCEPTABLE": (406, "Not acceptable: the gateway answers application/json", 0),
    "INJECTED": (500, "Internal error (injected by the emulator)", 1),
}


class GatewayError(Exception):
    def __init__(self, status, message, code):
        super().__init__(message)
        self.status = int(status)
        self.message = message
        self.code = int(code)

    def body(self):
        return {"message": self.message, "httpStatusCode": self.status, "errorCode": self.code}


class ErrorTable:
    def __init__(self, overrides=None):
        self._lock = threading.Lock()
        self._table = dict(DEFAULT_ERRORS)
        if overrides:
            self.update(overrides)

    def update(self, overrides):
        """overrides: {KEY: {"httpStatusCode"?, "message"?, "errorCode"?}}; unknown keys are an error."""
        with self._lock:
            for key, val in overrides.items():
                if key not in self._table:
                    raise ValueError("unknown error key %r" % key)
                if not isinstance(val, dict):
                    raise ValueError("error %s: expected an object" % key)
                status, message, code = self._table[key]
                self._table[key] = (int(val.get("httpStatusCode", status)), str(val.get("message", message)),
                                    int(val.get("errorCode", code)))

    def error(self, key, detail=None):
        """A GatewayError for key; detail (if any) is appended to the message."""
        with self._lock:
            status, message, code = self._table[key]
        if detail:
            message = "%s: %s" % (message, detail)
        return GatewayError(status, message, code)

    def describe(self):
        with self._lock:
            return {k: {"httpStatusCode": s, "message": m, "errorCode": c}
                    for k, (s, m, c) in copy.deepcopy(self._table).items()}
