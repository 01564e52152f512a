"""One webhook POST to the outside world, safely: the edge of the world for the webhooks app.

Guarantees of `post`:
- The URL is parsed by `webhooks.addresses.url_parse`; its host is resolved once (getaddrinfo)
  and every address it resolves to must pass `address_refusal`, or nothing is sent.
- The connection goes to an address that was checked (pinned), never to a second lookup: the
  request carries the URL's host in `Host`, and HTTPS verifies the certificate against that
  host name (SNI) with the system's trust store. A DNS answer that changes between the check
  and the connection cannot redirect the POST.
- Redirects are never followed: a 3xx is a failed attempt.
- One total time limit covers the lookup, the connection, the TLS handshake, sending, the
  status line and headers, and a capped excerpt of the body (`EXCERPT_BYTES`). Sockets are
  non-blocking and every wait is bounded by what is left, so a receiver trickling one byte a
  second cannot hold an attempt past the limit.
- It never raises for anything the receiver or the network does: the `Outcome` carries the
  status code or an error sentence in our own words (shown to the subscriber) and a `detail`
  from the receiver (the body excerpt or the low-level error, for staff only). A name that does
  not resolve and one that resolves to a refused address read the same to the subscriber.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import selectors
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from functools import partial

from webhooks.addresses import IPAddress, Target, UrlError, address_refusal, host_refusal, url_parse

EXCERPT_BYTES = 500
# The same words whether a name does not resolve or resolves to a refused address, so the log a
# subscriber reads does not map our internal DNS; the details are for staff.
UNRESOLVED = "Not sent: the host name did not resolve to an address webhooks may reach."


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error: str = ""
    detail: str = ""  # what the receiver said (body excerpt) or the low-level error: staff only

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _Expired(Exception):
    """The attempt's total time limit was reached."""


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise _Expired
        return remaining


def _wait(sock: socket.socket, *, write: bool, deadline: _Deadline) -> None:
    """Until `sock` is readable (or writable), at most until the deadline."""
    with selectors.DefaultSelector() as selector:  # poll/epoll: no FD_SETSIZE limit
        selector.register(sock, selectors.EVENT_WRITE if write else selectors.EVENT_READ)
        if not selector.select(deadline.left()):
            raise _Expired


class _DeadlineReader(io.RawIOBase):
    """A non-blocking socket read as a file, every wait bounded by the attempt's deadline."""

    def __init__(self, sock: socket.socket, deadline: _Deadline, holder: io.IOBase) -> None:
        self.sock, self.deadline = sock, deadline
        # http.client closes its socket once a `Connection: close` answer's head is read and
        # counts on the response's file to keep it open: `holder` is that file, kept till we close.
        self.holder = holder

    def close(self) -> None:
        super().close()
        self.holder.close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            self.deadline.left()
            try:
                return self.sock.recv_into(buffer)
            except ssl.SSLWantWriteError:
                _wait(self.sock, write=True, deadline=self.deadline)
            except (ssl.SSLWantReadError, BlockingIOError):
                _wait(self.sock, write=False, deadline=self.deadline)


class _DeadlineResponse(http.client.HTTPResponse):
    def __init__(self, sock, *args, deadline: _Deadline, **kwargs) -> None:
        super().__init__(sock, *args, **kwargs)
        # Read through the deadline instead of the blocking file http.client made.
        self.fp = io.BufferedReader(_DeadlineReader(sock, deadline, holder=self.fp))


class _PinnedConnection(http.client.HTTPConnection):
    """http.client over a socket we connected ourselves (to a checked address); `host` is only
    what the Host header says."""

    def __init__(self, target: Target, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__(target.host, target.port)
        self.sock = sock
        self.deadline = deadline
        self.response_class = partial(_DeadlineResponse, deadline=deadline)

    def connect(self) -> None:  # pragma: no cover - the socket is always given
        raise http.client.NotConnected("a pinned connection never connects by itself")

    def send(self, data) -> None:
        view = memoryview(data if isinstance(data, bytes | bytearray) else bytes(data))
        while view:
            self.deadline.left()
            try:
                sent = self.sock.send(view)
            except ssl.SSLWantReadError:
                _wait(self.sock, write=False, deadline=self.deadline)
                continue
            except (ssl.SSLWantWriteError, BlockingIOError):
                _wait(self.sock, write=True, deadline=self.deadline)
                continue
            view = view[sent:]


def _resolve(target: Target, deadline: _Deadline) -> list[tuple]:
    """(family, sockaddr) of every address of the host; getaddrinfo has no timeout of its own, so
    it runs in a helper thread that the attempt stops waiting for at the deadline."""
    if target.ip is not None:
        if target.ip.version == 6:
            return [(socket.AF_INET6, (str(target.ip), target.port, 0, 0))]
        return [(socket.AF_INET, (str(target.ip), target.port))]
    box: dict = {}

    def lookup() -> None:
        try:
            box["found"] = socket.getaddrinfo(
                target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except OSError as exc:
            box["error"] = exc

    thread = threading.Thread(target=lookup, name="webhook-resolve", daemon=True)
    thread.start()
    thread.join(deadline.left())
    if thread.is_alive():
        raise _Expired
    if "error" in box:
        raise box["error"]
    seen, found = set(), []
    for family, _type, _proto, _name, sockaddr in box["found"]:
        if family in (socket.AF_INET, socket.AF_INET6) and sockaddr[0] not in seen:
            seen.add(sockaddr[0])
            found.append((family, sockaddr))
    return found


def _ip_of(sockaddr: tuple) -> IPAddress:
    return ipaddress.ip_address(sockaddr[0].split("%", 1)[0])


def _connect(target: Target, addresses: list[tuple], deadline: _Deadline) -> socket.socket:
    error: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(deadline.left())
            sock.connect(sockaddr)
        except TimeoutError:
            sock.close()
            raise _Expired from None
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        sock.settimeout(0)  # from here on every wait is a select() bounded by the deadline
        return sock
    raise error or OSError("no address to connect to")


def _tls(sock: socket.socket, target: Target, deadline: _Deadline) -> ssl.SSLSocket:
    context = ssl.create_default_context()  # CERT_REQUIRED, hostname checked, system CAs
    tls = context.wrap_socket(sock, server_hostname=target.host, do_handshake_on_connect=False)
    try:
        while True:
            try:
                tls.do_handshake()
                return tls
            except ssl.SSLWantReadError:
                _wait(tls, write=False, deadline=deadline)
            except ssl.SSLWantWriteError:
                _wait(tls, write=True, deadline=deadline)
    except BaseException:
        tls.close()  # wrap_socket took over the plain socket
        raise


def post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST `body` to `url` once, within `timeout` seconds in total; never raises for the
    receiver's or the network's doing."""
    try:
        target = url_parse(url)
    except UrlError as exc:
        return Outcome(error=f"The subscription URL is not valid: {exc}")
    why = host_refusal(target)
    if why:
        return Outcome(error=f"Not sent: the URL's host is {why}.")
    deadline = _Deadline(timeout)
    sock = None
    try:
        addresses = _resolve(target, deadline)
        for _family, sockaddr in addresses:
            why = address_refusal(_ip_of(sockaddr))
            if why:
                return Outcome(
                    error=UNRESOLVED, detail=f"{target.host} resolves to {sockaddr[0]}, {why}."
                )
        sock = _connect(target, addresses, deadline)
        if target.scheme == "https":
            sock = _tls(sock, target, deadline)
        connection = _PinnedConnection(target, sock, deadline)
        connection.request(
            "POST", target.path, body=body, headers={**headers, "Connection": "close"}
        )
        response = connection.getresponse()
        status = response.status
        try:
            excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
        except (_Expired, OSError, http.client.HTTPException):
            excerpt = ""  # the status counts; the excerpt is only what arrived in time
        finally:
            response.close()  # with `sock.close()` below, the socket is closed for good
        if 300 <= status < 400:
            return Outcome(
                status_code=status,
                error=f"The receiver answered a redirect ({status}); redirects are not followed.",
                detail=excerpt,
            )
        return Outcome(status_code=status, detail=excerpt)
    except _Expired:
        return Outcome(
            error=f"No complete answer within {deadline.seconds:g} s, the time limit of an attempt."
        )
    except socket.gaierror as exc:
        return Outcome(error=UNRESOLVED, detail=f"{target.host}: {exc}")
    except ssl.SSLCertVerificationError as exc:
        return Outcome(
            error="The receiver's TLS certificate could not be verified.",
            detail=str(exc.verify_message or exc),
        )
    except ssl.SSLError as exc:
        return Outcome(error="The TLS handshake with the receiver failed.", detail=str(exc))
    except ConnectionRefusedError as exc:
        return Outcome(error="The receiver refused the connection.", detail=str(exc))
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as exc:
        return Outcome(
            error="The receiver closed the connection before answering.", detail=str(exc)
        )
    except http.client.HTTPException as exc:
        return Outcome(error="The receiver's answer was not valid HTTP.", detail=repr(exc)[:500])
    except OSError as exc:
        return Outcome(
            error=f"Could not reach the receiver ({exc.strerror or type(exc).__name__}).",
            detail=str(exc),
        )
    finally:
        if sock is not None:
            sock.close()
