"""HTTPS for the HTTP layer: the server's TLS context, and a channel mixin that drives the TLS
handshake, reads and writes on the event loop without blocking (a client that stalls in its
handshake holds no thread and falls under the request deadline like any other)."""

from __future__ import annotations

import errno
import re
import ssl
import time
from typing import TYPE_CHECKING, Any, List, Optional, Union, cast

if TYPE_CHECKING:
    # for the type checker, the mixin extends the channel it is put before
    from waitress.channel import HTTPChannel as _MixedInto
else:
    _MixedInto = object

__all__ = ["server_context", "certificates", "TlsChannelMixin", "MAX_READ"]

#: Bytes read from one connection in one turn of the loop (the rest waits for the next turn).
MAX_READ = 256 * 1024
_PLAIN_BODY = (
    b'{"Code":"InvalidHttpRequest","Message":"this port speaks HTTPS: use https:// (the request was plain HTTP)",'
    b'"RequestId":""}'
)
_PLAIN_HTTP_ANSWER = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(_PLAIN_BODY), _PLAIN_BODY)
)


def server_context(cert_file: Union[str, Any], key_file: Optional[Union[str, Any]] = None) -> ssl.SSLContext:
    """A server-side TLS context (TLS 1.2 at least) with the certificate chain ``cert_file`` and
    its private key ``key_file`` (PEM files; the key may be in ``cert_file``)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_file), None if key_file is None else str(key_file))
    return context


_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----\s.*?-----END CERTIFICATE-----\s*", re.DOTALL)


def certificates(cert_file: Union[str, Any]) -> str:
    """The certificates of the PEM file ``cert_file`` (without a private key it may also hold):
    what a client of this server is given to trust it."""
    with open(str(cert_file), encoding="ascii", errors="replace") as handle:
        return "".join(_CERTIFICATE.findall(handle.read()))


class TlsChannelMixin(_MixedInto):
    """Put before waitress's HTTPChannel (``class C(TlsChannelMixin, Channel)``); the channel's
    server has ``tls_context`` and ``more_to_read`` (a set of channels to read again next turn)."""

    _handshaking = True
    _want_write = False
    socket: Any
    server: Any
    adj: Any
    connected: bool
    last_activity: float

    def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:
        sock.setblocking(False)
        wrapped = server.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        super().__init__(server, wrapped, addr, adj, map)

    @property
    def handshaking(self) -> bool:
        return self._handshaking

    def readable(self) -> bool:
        if self._handshaking:
            return not self._want_write
        return cast(bool, super().readable())

    def writable(self) -> bool:
        if self._handshaking:
            return self._want_write
        return cast(bool, super().writable())

    def handle_write(self) -> None:
        if self._handshaking:
            if self._handshake():
                self.handle_read()
            return
        super().handle_write()

    def handle_read(self) -> None:
        if self._handshaking and not self._handshake():
            return
        chunks: List[bytes] = []
        size, ended = 0, False
        while size < MAX_READ:
            try:
                data = self.socket.recv(self.adj.recv_bytes)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            except (ssl.SSLError, OSError):
                self.handle_close()
                return
            if not data:
                ended = True
                break
            chunks.append(data)
            size += len(data)
        if chunks:
            # Everything decrypted so far goes to the parser at once: once a request is handed
            # to a thread (which writes the answer on this TLS connection), this thread reads no
            # more until it is done.
            self.last_activity = time.time()
            self.received(b"".join(chunks))
        if ended:
            self.handle_close()
        elif size >= MAX_READ and self.socket is not None:
            self.server.more_to_read.add(self)

    def _handshake(self) -> bool:
        """One step of the handshake; True once it is done."""
        try:
            self.socket.do_handshake()
        except ssl.SSLWantReadError:
            self._want_write = False
            return False
        except ssl.SSLWantWriteError:
            self._want_write = True
            return False
        except ssl.SSLError as exc:
            if getattr(exc, "reason", "") == "HTTP_REQUEST":
                self._answer_plain_http()
            self.handle_close()
            return False
        except OSError:
            self.handle_close()
            return False
        self._handshaking = self._want_write = False
        self.last_activity = time.time()
        return True

    def _answer_plain_http(self) -> None:
        """A plain-HTTP request on the HTTPS port: say so in plain HTTP (best effort)."""
        try:
            import socket as _socket

            _socket.socket.send(self.socket, _PLAIN_HTTP_ANSWER)
        except OSError:
            pass

    def send(self, data: bytes, do_close: bool = True) -> int:
        try:
            return cast(int, self.socket.send(data))
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
            return 0
        except ssl.SSLError:
            if do_close:
                self.handle_close()
            return 0
        except OSError as why:
            if why.args[0] in (errno.EWOULDBLOCK, errno.EAGAIN):
                return 0
            if do_close:
                self.handle_close()
            return 0
