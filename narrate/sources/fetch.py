"""Fetch an article page over HTTP(S), safely. All of narrate's network input goes through here.

Safe means: http and https only; every address a host resolves to must be public unless the caller
allows private ones, and the connection goes to the very address that was checked (so a second DNS
answer cannot point it elsewhere); redirects are followed by hand, a bounded number of times, each
hop checked again; one deadline covers the whole fetch; the body is streamed and dropped once past
the size cap, counted after decompression.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from email.message import Message
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from narrate.errors import InputError
from narrate.sources.detect import decode_html, kind_of_text

if TYPE_CHECKING:
    import urllib3

PROJECT_URL = "https://pypi.org/project/narrate/"
MAX_REDIRECTS = 5
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_BYTES = 65_536


@dataclass(frozen=True)
class FetchedPage:
    """An HTML page as fetched: where it ended up after redirects, and its decoded text."""

    url: str
    html: str
    content_type: str


def user_agent() -> str:
    """``narrate/<version> (+<project url>)``, so site owners can tell who is asking."""
    try:
        release = version("narrate")
    except PackageNotFoundError:
        release = "dev"
    return f"narrate/{release} (+{PROJECT_URL})"


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    timeout: float = 15,
    max_bytes: int = 10_000_000,
) -> FetchedPage:
    """The HTML page at ``url``; InputError for anything that is not a reachable, public HTML page.

    ``timeout`` bounds the whole fetch in seconds, redirects included; ``max_bytes`` bounds the
    decompressed body.
    """
    final_url, content_type, body = fetch_bytes(url, allow_private=allow_private, timeout=timeout,
                                                max_bytes=max_bytes)
    return _page(final_url, content_type, body)


def fetch_bytes(
    url: str,
    *,
    allow_private: bool = False,
    timeout: float = 15,
    max_bytes: int = 10_000_000,
    accept: str = HTML_ACCEPT,
) -> tuple[str, str | None, bytes]:
    """The final address, Content-Type and body at ``url``, with the same safety checks as :func:`fetch`
    (a feed of articles is fetched this way: it is XML, not HTML)."""

    deadline = time.monotonic() + timeout
    # Socket timeouts bound each read, not the fetch: a server sending a byte a second would never time out.
    # At the deadline the watchdog shuts this fetch's sockets down, wherever it is waiting.
    connections: list[Any] = []
    _local.connections = connections
    watchdog = threading.Timer(timeout, _cut_connections, (connections,))
    watchdog.daemon = True
    watchdog.start()
    try:
        return _fetch_hops(url, allow_private, timeout, max_bytes, accept, deadline)
    finally:
        watchdog.cancel()
        _local.connections = []


def _fetch_hops(url: str, allow_private: bool, timeout: float, max_bytes: int, accept: str,
                deadline: float) -> tuple[str, str | None, bytes]:
    import urllib3

    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        pool, response = _request(current, allow_private=allow_private, deadline=deadline, timeout=timeout,
                                  accept=accept)
        try:
            location = response.headers.get("Location")
            if response.status in REDIRECT_STATUSES and location:
                current = urljoin(current, location)
                continue
            if response.status >= 400:
                raise InputError(f"{current} returned HTTP {response.status} {response.reason or ''}"
                                 .rstrip() + "; check the address")
            if response.status != 200:
                raise InputError(f"{current} returned HTTP {response.status}, not a page")
            body = _read_capped(response, current, max_bytes=max_bytes, deadline=deadline,
                                timeout=timeout)
        except urllib3.exceptions.HTTPError as error:
            if time.monotonic() >= deadline:
                raise _timed_out(current, timeout) from None
            raise _network_error(current, error, timeout) from None
        finally:
            # An unread body (error status, redirect) keeps the socket's file open: close it, not just release.
            response.close()
            pool.close()
        return current, response.headers.get("Content-Type"), body
    raise InputError(f"{url} redirected more than {MAX_REDIRECTS} times; give the final address")


def _request(
    url: str, *, allow_private: bool, deadline: float, timeout: float, accept: str = "*/*"
) -> tuple[urllib3.HTTPConnectionPool, urllib3.BaseHTTPResponse]:
    """One GET to the checked address of ``url``'s host, without following redirects; the caller
    closes the pool once it has read the response."""
    import urllib3

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InputError(f"cannot fetch {url}: only http and https addresses are supported")
    host = parts.hostname
    if not host:
        raise InputError(f"cannot fetch {url}: the address has no host name")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InputError(f"cannot fetch {url}: the port is not a number") from None
    address = _checked_address(url, host, port, allow_private=allow_private)

    remaining = _remaining(deadline, url, timeout)
    limits = urllib3.Timeout(connect=remaining, read=remaining)
    pool: urllib3.HTTPConnectionPool
    if parts.scheme == "https":
        pool = _watched(urllib3.HTTPSConnectionPool)(
            address, port, timeout=limits, retries=False, maxsize=1,
            server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED", ca_certs=_ca_bundle(),
        )
    else:
        pool = _watched(urllib3.HTTPConnectionPool)(address, port, timeout=limits, retries=False, maxsize=1)
    default_port = 443 if parts.scheme == "https" else 80
    host_header = host if port == default_port else f"{host}:{port}"
    if ":" in host and port == default_port:
        host_header = f"[{host}]"
    elif ":" in host:
        host_header = f"[{host}]:{port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Host": host_header,
        "User-Agent": user_agent(),
        "Accept": accept,
        "Accept-Encoding": "gzip, deflate",
    }
    try:
        response = pool.urlopen("GET", target, headers=headers, redirect=False, preload_content=False,
                                decode_content=True, assert_same_host=False, retries=False)
    except urllib3.exceptions.HTTPError as error:
        pool.close()
        if time.monotonic() >= deadline:
            raise _timed_out(url, timeout) from None
        raise _network_error(url, error, timeout) from None
    return pool, response


_local = threading.local()
"""``connections``: those of the fetch in progress in this thread, which its watchdog shuts down."""


def _cut_connections(connections: list[Any]) -> None:
    for connection in list(connections):
        sock = getattr(connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _watched(base: type[Any]) -> type[Any]:
    """A connection pool class whose new connections join the current fetch's, for its watchdog."""

    class Watched(base):  # type: ignore[misc]
        def _new_conn(self) -> Any:
            connection = super()._new_conn()
            getattr(_local, "connections", []).append(connection)
            return connection

    return Watched


def _checked_address(url: str, host: str, port: int, *, allow_private: bool) -> str:
    """An address of ``host`` to connect to, after checking that every address it has is public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise InputError(f"cannot fetch {url}: host {host!r} not found ({error})") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise InputError(f"cannot fetch {url}: host {host!r} has no address")
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise InputError(f"refusing to fetch {url}: {host} is at {address}, a private, local or "
                                 "reserved address; use --allow-private if you trust it")
    return addresses[0]


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address (not private, loopback, link-local, reserved)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not (embedded.is_global and not embedded.is_multicast):
            return False
    return ip.is_global and not ip.is_multicast


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries: mapped (``::ffff:a.b.c.d``), compatible (``::a.b.c.d``), NAT64,
    6to4 (``2002:AABB:CCDD::``) or Teredo."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    packed = ip.packed
    if any(ip in network for network in _NAT64) or (packed[:12] == bytes(12) and packed[12:] != bytes(4)):
        return ipaddress.IPv4Address(packed[12:])
    return None


def _read_capped(response: urllib3.BaseHTTPResponse, url: str, *, max_bytes: int, deadline: float,
                 timeout: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(url, max_bytes)
    chunks: list[bytes] = []
    total = 0
    for chunk in response.stream(CHUNK_BYTES, decode_content=True):
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(url, max_bytes)
        chunks.append(chunk)
        _remaining(deadline, url, timeout)
    return b"".join(chunks)


def _page(url: str, content_type: str | None, body: bytes) -> FetchedPage:
    """The decoded page, if the server says (or, saying nothing, the body shows) it is HTML."""
    charset: str | None = None
    if content_type:
        header = Message()
        header["Content-Type"] = content_type
        media_type = header.get_content_type()
        charset = header.get_param("charset")  # type: ignore[assignment]
        if media_type not in HTML_TYPES:
            raise InputError(f"{url} is {media_type}, not an HTML page; give the address of the article page")
    text = decode_html(body, charset=charset if isinstance(charset, str) else None, name=url)
    if not content_type and kind_of_text(text) != "html":
        raise InputError(f"{url} did not say what it is and does not look like HTML")
    return FetchedPage(url=url, html=text, content_type=content_type or "text/html")


def _remaining(deadline: float, url: str, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _timed_out(url, timeout)
    return left


def _timed_out(url: str, timeout: float) -> InputError:
    return InputError(f"fetching {url} timed out after {timeout:g} s; try again later or raise the timeout")


def _too_large(url: str, max_bytes: int) -> InputError:
    return InputError(f"{url} is larger than {max_bytes:,} bytes; "
                      "that is not an article page (or raise the size limit)")


def _network_error(url: str, error: Exception, timeout: float) -> InputError:
    import urllib3

    if isinstance(error, urllib3.exceptions.SSLError):
        return InputError(f"cannot fetch {url}: TLS error ({error})")
    # Before TimeoutError: urllib3 derives NewConnectionError (refused, unreachable) from its connect timeout.
    if isinstance(error, urllib3.exceptions.NewConnectionError) and "timed out" not in str(error).lower():
        reason = str(error).lower()
        if "refused" in reason:
            return InputError(f"cannot fetch {url}: the server refused the connection (nothing listens there)")
        if "unreachable" in reason or "no route" in reason:
            return InputError(f"cannot fetch {url}: the server's network is unreachable")
        return InputError(f"cannot fetch {url}: could not connect to the server")
    if isinstance(error, urllib3.exceptions.TimeoutError):
        return _timed_out(url, timeout)
    return InputError(f"cannot fetch {url}: {type(error).__name__}: {error}")


def _ca_bundle() -> str | None:
    try:
        import certifi
    except ImportError:
        return None  # the system's default certificates
    return str(certifi.where())
