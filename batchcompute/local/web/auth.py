"""Checking a request's signature (wire.md) with ``batchcompute.core.signing``, and closing what the
protocol leaves open: the signature covers no body and the Date is a plain header.

- Every header the signature covers (Date, Content-Type, Accept, Content-MD5, any ``x-acs-*``), the
  body's ``contentMd5`` and the Authorization must appear at most once: 400
  ``InvalidHeader.Duplicate``. (Before, the signature was computed over the first Date while the
  clock was checked on the last: a month-old request passed with a fresh Date appended.)
- The nonce (``x-acs-signature-nonce``) is required (400 ``MissingSignatureNonce``) and is
  remembered, durably when the server has a store, for as long as its Date is acceptable: a
  replay is refused (403 Forbidden), after a restart too.
- A request with a body must carry the body's md5 in ``contentMd5`` (or ``Content-MD5``): 400
  ``MissingContentMd5``; one that does not match is 403 ``InvalidHttpBody``.

Rejected with 403 too: no or malformed Authorization, an unknown key id, a Date more than 15
minutes from the server's clock (Forbidden); a wrong signature (SignatureDoesNotMatch); an API
version other than 2015-11-11 (InvalidVersion.NotFound).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Callable, Dict, List, Mapping, Optional, Protocol, Tuple

from ...core.signing import signature, string_to_sign
from ..constants import API_VERSION, MAX_DATE_SKEW_SECONDS
from ..errors import ApiError, forbidden
from ..model.fields import has_control
from ..model.limits import MAX_NONCE_CHARS
from ..state import nonces
from ..state.store import Store, StoreUnavailable

__all__ = ["Authenticator", "NonceBook", "MemoryNonces", "StoredNonces", "SIGNED_HEADERS"]

Headers = List[Tuple[str, str]]
#: Headers (lower-cased) that may appear once at most; so may every ``x-acs-*`` header.
SIGNED_HEADERS = ("date", "content-type", "accept", "content-md5", "contentmd5", "authorization")
NONCE_HEADER = "x-acs-signature-nonce"
#: Seconds between two prunings of the nonces whose requests can no longer be accepted.
PRUNE_INTERVAL = 60.0

log = logging.getLogger("batchcompute.local")


class NonceBook(Protocol):
    """Where the nonces seen are remembered."""

    def add(self, key_id: str, nonce: str, expires: float, now: float) -> bool:
        """Record a nonce until ``expires``; False when it was seen before."""


class MemoryNonces:
    """Nonces in memory (forgotten at a restart): for an Authenticator without a store."""

    def __init__(self) -> None:
        self._seen: Dict[Tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def add(self, key_id: str, nonce: str, expires: float, now: float) -> bool:
        with self._lock:
            if now >= self._next_prune:
                self._seen = {k: t for k, t in self._seen.items() if t >= now}
                self._next_prune = now + PRUNE_INTERVAL
            if (key_id, nonce) in self._seen:
                return False
            self._seen[(key_id, nonce)] = expires
            return True


class StoredNonces:
    """Nonces in the server's database (``state.nonces``): a replay is refused after a restart too.

    While the database refuses writes (a full disk), the nonces seen are kept in memory and
    checked against the database's rows, so that reads are still answered; they are written with
    the next nonce the database takes.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._next_prune = 0.0
        self._unstored: Dict[Tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def add(self, key_id: str, nonce: str, expires: float, now: float) -> bool:
        with self._lock:
            if (key_id, nonce) in self._unstored:
                return False
            waiting = dict(self._unstored)
        try:
            fresh = self._store(key_id, nonce, expires, now, waiting)
        except StoreUnavailable:
            return self._keep(key_id, nonce, expires, now)
        if waiting:
            with self._lock:
                for key in waiting:
                    self._unstored.pop(key, None)
            log.info("%d nonce(s) seen while the database refused writes are stored now", len(waiting))
        return fresh

    def _store(
        self, key_id: str, nonce: str, expires: float, now: float, waiting: Dict[Tuple[str, str], float]
    ) -> bool:
        with self.store.transaction() as conn:
            if now >= self._next_prune:
                self._next_prune = now + PRUNE_INTERVAL
                nonces.prune(conn, now)
            for (waiting_key, waiting_nonce), waiting_expires in waiting.items():
                nonces.remember(conn, waiting_key, waiting_nonce, waiting_expires)
            return nonces.remember(conn, key_id, nonce, expires)

    def _keep(self, key_id: str, nonce: str, expires: float, now: float) -> bool:
        with self.store.read() as conn:
            if nonces.seen(conn, key_id, nonce):
                return False
        with self._lock:
            if (key_id, nonce) in self._unstored:
                return False
            if not self._unstored:
                log.warning("the database refuses writes: nonces are kept in memory until it takes them")
            for key in [key for key, until in self._unstored.items() if until < now]:
                del self._unstored[key]  # its request's Date is refused anyway now
            self._unstored[key_id, nonce] = expires
        return True


def _duplicate(name: str, count: int) -> ApiError:
    return ApiError(
        400,
        "InvalidHeader.Duplicate",
        "the header %s appears %d times; a header the signature covers may appear once only" % (name, count),
    )


def _lookup(headers: Headers) -> Dict[str, str]:
    """Lower-cased name -> value; a signed header that appears twice is refused."""
    found: Dict[str, str] = {}
    counts: Dict[str, int] = {}
    for name, value in headers:
        key = name.strip().lower()
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > 1 and (key in SIGNED_HEADERS or key.startswith("x-acs-")):
            raise _duplicate(name.strip(), sum(1 for other, _ in headers if other.strip().lower() == key))
        found.setdefault(key, value)
    return found


class Authenticator:
    """Verifies requests signed with one of ``keys`` (id -> secret); ``nonces`` remembers the
    nonces seen (default: in memory)."""

    def __init__(
        self,
        keys: Mapping[str, str],
        max_skew: float = MAX_DATE_SKEW_SECONDS,
        clock: Callable[[], float] = time.time,
        nonces: Optional[NonceBook] = None,
    ) -> None:
        self.keys = dict(keys)
        self.max_skew = max_skew
        self.clock = clock
        self.nonces: NonceBook = nonces if nonces is not None else MemoryNonces()

    def verify(self, method: str, target: str, headers: Headers, body: bytes) -> str:
        """The key id of a correctly signed request; ApiError otherwise. ``target`` is the
        path-and-query exactly as received, ``headers`` every header as received."""
        lookup = _lookup(headers)
        key_id, given = self._authorization(lookup)
        secret = self.keys.get(key_id)
        if secret is None:
            raise forbidden("The access key id %r is not known to this server" % key_id[:128])
        now = self.clock()
        date = self._date(lookup, now)
        text = string_to_sign(method, target, {name.strip(): value for name, value in headers})
        if not hmac.compare_digest(signature(secret, text).encode("ascii"), given.encode("ascii", "replace")):
            raise forbidden(
                "The request signature does not match; the server signed %r" % text[:4096],
                code="SignatureDoesNotMatch",
            )
        self._check_body(lookup, body)
        self._check_version(lookup)
        nonce = self._nonce(lookup)
        if not self.nonces.add(key_id, nonce, date + self.max_skew + 1, now):
            raise forbidden("The signature nonce %r was used before" % nonce)
        return key_id

    @staticmethod
    def _authorization(headers: Dict[str, str]) -> Tuple[str, str]:
        value = (headers.get("authorization") or "").strip()
        scheme, _, credentials = value.partition(" ")
        key_id, sep, given = credentials.strip().rpartition(":")
        if scheme != "acs" or not sep or not key_id or not given:
            raise forbidden("The Authorization header must be 'acs <AccessKeyId>:<Signature>'")
        return key_id, given

    def _date(self, headers: Dict[str, str], now: float) -> float:
        try:
            stamp = parsedate_to_datetime(headers.get("date") or "").timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            raise forbidden("The Date header is missing or not an HTTP date") from None
        if abs(stamp - now) > self.max_skew:
            raise forbidden(
                "The Date header is more than %d minutes away from the server's time" % (self.max_skew // 60)
            )
        return stamp

    @staticmethod
    def _check_body(headers: Dict[str, str], body: bytes) -> None:
        given = [(name, (headers.get(name.lower()) or "").strip()) for name in ("contentMd5", "Content-MD5")]
        given = [(name, value) for name, value in given if value]
        if body and not given:
            raise ApiError(400, "MissingContentMd5", "a request with a body must carry the body's md5 in contentMd5")
        digest = hashlib.md5(body)
        for name, value in given:
            if value.lower() != digest.hexdigest() and value != base64.b64encode(digest.digest()).decode():
                raise forbidden("The body does not match its %s header" % name, code="InvalidHttpBody")

    @staticmethod
    def _check_version(headers: Dict[str, str]) -> None:
        version = (headers.get("x-acs-version") or "").strip()
        if version and version != API_VERSION:
            raise forbidden(
                "API version %r is not served here (only %s)" % (version[:64], API_VERSION),
                code="InvalidVersion.NotFound",
            )

    @staticmethod
    def _nonce(headers: Dict[str, str]) -> str:
        nonce = (headers.get(NONCE_HEADER) or "").strip()
        if not nonce:
            raise ApiError(400, "MissingSignatureNonce", "every request must carry a fresh x-acs-signature-nonce")
        if len(nonce) > MAX_NONCE_CHARS or has_control(nonce):
            raise ApiError(
                400,
                "InvalidSignatureNonce",
                "x-acs-signature-nonce must be at most %d characters without control characters" % MAX_NONCE_CHARS,
            )
        return nonce
