"""Console sessions, kept in memory: who logged in, the session's CSRF token, its messages.

A session ends when it has been idle for ``idle`` seconds, ``lifetime`` seconds after it began,
at logout, or when the server stops. Login tokens are random, single-use and short-lived: one
kind is carried by the login form (its CSRF token), the other by a one-time login link.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, List, Mapping, Optional, Tuple

__all__ = ["Session", "SessionStore", "TokenBox", "check_key_pair"]

IDLE_SECONDS = 3600.0
LIFETIME_SECONDS = 12 * 3600.0
LOGIN_FORM_SECONDS = 30 * 60.0
LOGIN_LINK_SECONDS = 24 * 3600.0
#: Bounds on what an unauthenticated client can make the server remember.
MAX_SESSIONS = 10000
MAX_TOKENS = 1000


def _token() -> str:
    return secrets.token_urlsafe(32)


def same_secret(given: str, expected: str) -> bool:
    """A comparison that takes as long whatever the first difference."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def check_key_pair(keys: Mapping[str, str], key_id: str, secret: str) -> bool:
    """Whether ``key_id`` / ``secret`` is one of the server's access key pairs."""
    expected = keys.get(key_id)
    return expected is not None and same_secret(secret, expected)


@dataclass
class Session:
    """A logged-in browser."""

    id: str
    key_id: str
    csrf: str
    started: float
    last_seen: float
    messages: List[Tuple[str, str]] = field(default_factory=list)  # (kind, text) shown once

    def flash(self, kind: str, text: str) -> None:
        """A message for the next page (kind: ``ok`` or ``error``)."""
        self.messages.append((kind, text))

    def take_messages(self) -> List[Tuple[str, str]]:
        messages, self.messages = self.messages, []
        return messages

    def csrf_matches(self, given: Optional[str]) -> bool:
        return bool(given) and same_secret(given or "", self.csrf)


class TokenBox:
    """Single-use tokens that expire ``ttl`` seconds after they were issued (at most ``limit``
    held: the oldest go first)."""

    def __init__(self, ttl: float, clock: Callable[[], float], limit: int = MAX_TOKENS) -> None:
        self.ttl = ttl
        self.clock = clock
        self.limit = limit
        self._expiry: "OrderedDict[str, float]" = OrderedDict()
        self._lock = threading.Lock()

    def issue(self) -> str:
        token = _token()
        with self._lock:
            self._expiry[token] = self.clock() + self.ttl
            while len(self._expiry) > self.limit:
                self._expiry.popitem(last=False)
        return token

    def redeem(self, token: Optional[str]) -> bool:
        """True once for a token issued and not yet expired."""
        if not token:
            return False
        with self._lock:
            expiry = self._expiry.pop(token, None)
        return expiry is not None and expiry > self.clock()


class SessionStore:
    """The console's sessions, login-form tokens and one-time login links."""

    def __init__(
        self,
        idle: float = IDLE_SECONDS,
        lifetime: float = LIFETIME_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.idle = idle
        self.lifetime = lifetime
        self.clock = clock
        self.login_forms = TokenBox(LOGIN_FORM_SECONDS, clock)
        self.login_links = TokenBox(LOGIN_LINK_SECONDS, clock)
        self._sessions: "OrderedDict[str, Session]" = OrderedDict()
        self._lock = threading.Lock()

    def open(self, key_id: str) -> Session:
        """A new session for the holder of ``key_id``."""
        now = self.clock()
        session = Session(_token(), key_id, _token(), now, now)
        with self._lock:
            self._prune(now)
            self._sessions[session.id] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return session

    def get(self, session_id: Optional[str]) -> Optional[Session]:
        """The live session with this id (its idle time starts again), or None."""
        if not session_id:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if not self._alive(session, now):
                del self._sessions[session_id]
                return None
            session.last_seen = now
            return session

    def close(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def expires(self, session: Session) -> float:
        """When the session ends if it stays idle."""
        return min(session.last_seen + self.idle, session.started + self.lifetime)

    def _alive(self, session: Session, now: float) -> bool:
        return now < self.expires(session)

    def _prune(self, now: float) -> None:
        for session_id in [sid for sid, session in self._sessions.items() if not self._alive(session, now)]:
            del self._sessions[session_id]
