"""Checking a request's signature (wire.md) with ``batchcompute.core.signing``.

Rejected with 403: no or malformed Authorization, an unknown key id, a Date more than 15 minutes
from the server's clock, a nonce seen before (Forbidden); a wrong signature
(SignatureDoesNotMatch); a body that does not match its md5 header (InvalidHttpBody); an API
version other than 2015-11-11 (InvalidVersion.NotFound).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from ...core.signing import signature, string_to_sign
from ..constants import API_VERSION, MAX_DATE_SKEW_SECONDS
from ..errors import forbidden

__all__ = ["Authenticator", "NonceCache"]

Headers = List[Tuple[str, str]]


def _get(headers: Dict[str, str], name: str) -> Optional[str]:
    """A header from the lower-cased name -> value map."""
    return headers.get(name.lower())


class NonceCache:
    """Nonces seen while their request's Date is still acceptable."""

    def __init__(self) -> None:
        self._seen: Dict[Tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def add(self, key_id: str, nonce: str, expires: float, now: float) -> bool:
        """Record a nonce; False when it was seen before."""
        with self._lock:
            if now >= self._next_prune:
                self._seen = {k: t for k, t in self._seen.items() if t > now}
                self._next_prune = now + 60
            if self._seen.get((key_id, nonce), 0) > now:
                return False
            self._seen[(key_id, nonce)] = expires
            return True


class Authenticator:
    """Verifies requests signed with one of ``keys`` (id -> secret)."""

    def __init__(
        self,
        keys: Mapping[str, str],
        max_skew: float = MAX_DATE_SKEW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = dict(keys)
        self.max_skew = max_skew
        self.clock = clock
        self.nonces = NonceCache()

    def verify(self, method: str, target: str, headers: Headers, body: bytes) -> str:
        """The key id of a correctly signed request; ApiError otherwise. ``target`` is the
        path-and-query exactly as received."""
        lookup = {name.lower(): value for name, value in headers}
        key_id, given = self._authorization(lookup)
        secret = self.keys.get(key_id)
        if secret is None:
            raise forbidden("The access key id %r is not known to this server" % key_id)
        now = self.clock()
        date = self._date(lookup, now)
        text = string_to_sign(method, target, dict(headers))
        if not hmac.compare_digest(signature(secret, text).encode("ascii"), given.encode("ascii", "replace")):
            raise forbidden(
                "The request signature does not match; the server signed %r" % text,
                code="SignatureDoesNotMatch",
            )
        self._check_body(lookup, body)
        self._check_version(lookup)
        nonce = _get(lookup, "x-acs-signature-nonce")
        if nonce is not None and not self.nonces.add(key_id, nonce, date + self.max_skew + 1, now):
            raise forbidden("The signature nonce %r was used before" % nonce)
        return key_id

    @staticmethod
    def _authorization(headers: Dict[str, str]) -> Tuple[str, str]:
        value = (_get(headers, "Authorization") or "").strip()
        scheme, _, credentials = value.partition(" ")
        key_id, sep, given = credentials.strip().rpartition(":")
        if scheme != "acs" or not sep or not key_id or not given:
            raise forbidden("The Authorization header must be 'acs <AccessKeyId>:<Signature>'")
        return key_id, given

    def _date(self, headers: Dict[str, str], now: float) -> float:
        try:
            stamp = parsedate_to_datetime(_get(headers, "Date") or "").timestamp()
        except (TypeError, ValueError, IndexError):
            raise forbidden("The Date header is missing or not an HTTP date") from None
        if abs(stamp - now) > self.max_skew:
            raise forbidden(
                "The Date header is more than %d minutes away from the server's time" % (self.max_skew // 60)
            )
        return stamp

    @staticmethod
    def _check_body(headers: Dict[str, str], body: bytes) -> None:
        digest = hashlib.md5(body)
        for name in ("contentMd5", "Content-MD5"):
            value = (_get(headers, name) or "").strip()
            if value and value.lower() != digest.hexdigest() and value != base64.b64encode(digest.digest()).decode():
                raise forbidden("The body does not match its %s header" % name, code="InvalidHttpBody")

    @staticmethod
    def _check_version(headers: Dict[str, str]) -> None:
        version = (_get(headers, "x-acs-version") or "").strip()
        if version and version != API_VERSION:
            raise forbidden(
                "API version %r is not served here (only %s)" % (version, API_VERSION),
                code="InvalidVersion.NotFound",
            )
