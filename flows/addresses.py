"""Server-side request forgery protection for every connection newsprism opens.

A URL (or any redirect hop) whose host resolves to a loopback, private, link-local, multicast,
reserved or unspecified address is refused unless the allow-list names the host or a network
holding the address. The check lives in the connection itself: a guarded connection resolves
the name once, drops the addresses it may not use and connects to one of those it checked, so a
DNS answer that changes between the check and the connect (DNS rebinding) has nothing to slip
through. Pools are keyed by the allow-list too, so a keep-alive connection opened under a wider
allow-list is never reused under a narrower one. flows/http.py mounts the guarded adapter.
"""
from __future__ import annotations

import functools
import ipaddress
import os
import re
import socket
import sys
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.poolmanager
from requests.utils import select_proxy
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import Timeout

# --------------------------------------------------------------------------------------------
# Address guard (server-side request forgery)

ALLOW_HOSTS_ENV = "NEWSPRISM_ALLOW_HOSTS"
_ALLOW_HINT = f"allow it with --allow-host or {ALLOW_HOSTS_ENV}"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT; Python calls it neither private nor global
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address
# Where cloud providers serve instance metadata (credentials): the classic SSRF target.
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


class AddressRefused(Exception):
    """A connection was not attempted: every address of the host is non-public and not
    allow-listed. `str(exc)` is the message users see ("refused: ... ; allow it with ...")."""

    def __init__(self, message: str, host: str, address: str | None) -> None:
        super().__init__(message)
        self.host = host
        self.address = address


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it stands for one: IPv4-mapped
    (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) or 6to4 (2002::/16)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def address_class(ip: IPAddress | str) -> str | None:
    """Why `ip` is not a public address, in a word for messages; None when it is public.

    Rules, in order: an IPv6 address that stands for an IPv4 one (mapped, NAT64, 6to4) is
    judged as that IPv4 address; then unspecified, loopback, link-local, multicast, shared
    (100.64.0.0/10, carrier-grade NAT), site-local (fec0::/10), reserved, private (Python's
    registry of special-purpose blocks: RFC 1918, unique-local, documentation, benchmarking,
    "this network" ...); any other address Python does not call global is "non-public".
    """
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    ip = _embedded_ipv4(ip) or ip
    checks: tuple[tuple[str, bool], ...] = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("shared (carrier-grade NAT)", ip in _SHARED),
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("non-public", not ip.is_global),
    )
    for name, hit in checks:
        if hit:
            return name
    return None


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _parse_allow_entry(entry: str) -> tuple[str, str | IPNetwork]:
    """("net", network) | ("name", host) | ("suffix", ".domain") for one allow-list entry."""
    text = entry.strip()
    bare = text.strip("[]")
    if "://" in bare:
        raise ValueError(f"allow-list entry {entry!r}: give a host name, an IP address or a CIDR, without a port or scheme")
    if "/" in bare:
        try:
            return "net", ipaddress.ip_network(bare, strict=False)
        except ValueError as exc:
            raise ValueError(f"allow-list entry {entry!r} is not a valid network: {exc}") from None
    try:
        return "net", ipaddress.ip_network(ipaddress.ip_address(bare))
    except ValueError:
        pass
    name = text.lower().rstrip(".")
    kind = "name"
    if name.startswith("*."):
        name, kind = name[1:], "suffix"
    elif name.startswith("."):
        kind = "suffix"
    if ":" in name:
        raise ValueError(f"allow-list entry {entry!r}: give a host name, an IP address or a CIDR, without a port or scheme")
    try:
        ascii_name = name.encode("idna").decode("ascii") if not name.isascii() else name
    except UnicodeError:
        raise ValueError(f"allow-list entry {entry!r} is not a valid host name") from None
    labels = ascii_name.lstrip(".").split(".")
    if not ascii_name.lstrip(".") or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"allow-list entry {entry!r} is not a host name, an IP address or a CIDR (e.g. 127.0.0.1, 10.0.0.0/8, intranet.example)")
    return kind, ascii_name


def allow_hosts_from_env(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The allow-list in NEWSPRISM_ALLOW_HOSTS: comma-separated host names (".example.org" or
    "*.example.org" for a domain and its subdomains), IP addresses and CIDRs. Empty when
    unset. Raises ValueError naming the variable for an entry that is none of those."""
    value = (os.environ if environ is None else environ).get(ALLOW_HOSTS_ENV, "")
    entries = tuple(e.strip() for e in value.split(",") if e.strip())
    for e in entries:
        try:
            _parse_allow_entry(e)
        except ValueError as exc:
            raise ValueError(f"{ALLOW_HOSTS_ENV}: {exc}") from None
    return entries


@dataclass(frozen=True)
class AddressGuard:
    """Which addresses a fetch may connect to: every public address, plus the hosts and
    networks of an allow-list. Hashable, so connection pools can be keyed by it."""

    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_allow_list(cls, allow_hosts: Iterable[str]) -> "AddressGuard":
        return guard_for(tuple(allow_hosts))

    def host_allowed(self, host: str) -> bool:
        """Whether the host name itself is allow-listed (then any address it has may be used)."""
        h = _normal_host(host)
        return h in self.names or any(h == s[1:] or h.endswith(s) for s in self.suffixes)

    def refusal(self, ip: IPAddress) -> str | None:
        """The address class that refuses `ip`, or None when it may be used."""
        cls = address_class(ip)
        if cls is None:
            return None
        v4 = _embedded_ipv4(ip)
        for net in self.networks:
            if ip.version == net.version and ip in net:
                return None
            if v4 is not None and net.version == 4 and v4 in net:
                return None
        return cls

    def resolve(self, host: str, port: int | None) -> list[tuple]:
        """getaddrinfo() results for `host` that may be connected to, in the resolver's order.

        Raises socket.gaierror when the name does not resolve, AddressRefused when it
        resolves only to addresses this guard refuses.
        """
        name = host.strip("[]")
        infos = socket.getaddrinfo(name, port, allowed_gai_family(), socket.SOCK_STREAM)
        if self.host_allowed(host):
            return infos
        allowed: list[tuple] = []
        refused: list[tuple[IPAddress, str]] = []
        for info in infos:
            ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            cls = self.refusal(ip)
            if cls is None:
                allowed.append(info)
            elif all(ip != r for r, _ in refused):
                refused.append((ip, cls))
        if not allowed and refused:
            raise AddressRefused(_refusal_message(host, refused), host, str(refused[0][0]))
        return allowed


@functools.lru_cache(maxsize=64)
def guard_for(allow_hosts: tuple[str, ...]) -> AddressGuard:
    names: set[str] = set()
    suffixes: list[str] = []
    networks: list[IPNetwork] = []
    for entry in allow_hosts:
        kind, value = _parse_allow_entry(entry)
        if kind == "net":
            networks.append(value)  # type: ignore[arg-type]
        elif kind == "suffix":
            suffixes.append(value)  # type: ignore[arg-type]
        else:
            names.add(value)  # type: ignore[arg-type]
    return AddressGuard(frozenset(names), tuple(suffixes), tuple(networks))


def _refusal_message(host: str, refused: Sequence[tuple[IPAddress, str]]) -> str:
    ip, cls = refused[0]
    what = f"{'an' if cls[0] in 'aeiou' else 'a'} {cls} address"
    v4 = _embedded_ipv4(ip)
    if v4 is not None:
        what += f" (it stands for {v4})"
    if ip in _METADATA or v4 in _METADATA:
        what += ", where cloud providers serve instance metadata"
    shown = _normal_host(host)
    try:
        literal = ipaddress.ip_address(shown.split("%", 1)[0]) == ip
    except ValueError:
        literal = False
    mapped = getattr(ip, "ipv4_mapped", None)
    ip_text = f"::ffff:{mapped}" if mapped is not None else str(ip)  # as people write them
    text = f"{ip_text} is {what}" if literal else f"{host} resolves to {ip_text}, {what}"
    if len(refused) > 1:
        text += f" (and to {len(refused) - 1} more non-public address{'es' if len(refused) > 2 else ''})"
    return f"refused: {text}; {_ALLOW_HINT}"


class _GuardedConnectionMixin:
    """A urllib3 connection that resolves its host once, keeps only the addresses its guard
    accepts, and connects to one of those: the address checked is the address connected to."""

    newsprism_guard: AddressGuard

    def __init__(self, *args: object, newsprism_guard: AddressGuard | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.newsprism_guard = newsprism_guard or guard_for(())

    def _new_conn(self) -> socket.socket:
        conn = self  # type: ignore[assignment]
        try:
            name = conn._dns_host  # type: ignore[attr-defined]  # keeps a trailing dot for DNS
            name.encode("idna")
            targets = self.newsprism_guard.resolve(name, conn.port)  # type: ignore[attr-defined]
        except socket.gaierror as e:
            raise urllib3.exceptions.NameResolutionError(conn.host, conn, e) from e  # type: ignore[attr-defined, arg-type]
        except UnicodeError:
            raise urllib3.exceptions.LocationParseError(f"'{conn.host}', label empty or too long") from None  # type: ignore[attr-defined]
        err: OSError | None = None
        timeout = conn.timeout  # type: ignore[attr-defined]
        for family, socktype, proto, _canon, sockaddr in targets:
            sock = None
            try:
                sock = socket.socket(family, socktype, proto)
                for opt in conn.socket_options or ():  # type: ignore[attr-defined]
                    sock.setsockopt(*opt)
                if timeout is not Timeout.DEFAULT_TIMEOUT:
                    sock.settimeout(timeout)
                if conn.source_address:  # type: ignore[attr-defined]
                    sock.bind(conn.source_address)  # type: ignore[attr-defined]
                sock.connect(sockaddr)
                sys.audit("http.client.connect", conn, conn.host, conn.port)  # type: ignore[attr-defined]
                return sock
            except OSError as e:
                err = e
                if sock is not None:
                    sock.close()
        if isinstance(err, socket.timeout):
            raise urllib3.exceptions.ConnectTimeoutError(conn, f"Connection to {conn.host} timed out. (connect timeout={timeout})") from err  # type: ignore[attr-defined]
        raise urllib3.exceptions.NewConnectionError(conn, f"Failed to establish a new connection: {err or 'no address to connect to'}") from err  # type: ignore[arg-type]


class _GuardedHTTPConnection(_GuardedConnectionMixin, urllib3.connection.HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, urllib3.connection.HTTPSConnection):
    pass


class _GuardedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


def _guarded_pool_key(scheme: str, context: dict) -> tuple:
    ctx = dict(context)
    guard = ctx.pop("newsprism_guard", None)
    return (guard, urllib3.poolmanager.key_fn_by_scheme[scheme](ctx))


class GuardedAdapter(requests.adapters.HTTPAdapter):
    """An HTTPAdapter whose direct connections go through the address guard.

    The guard comes with each request (`request.newsprism_guard`, set by `fetch` from its
    policy) or, for plain `session.get` calls, is the one the session was made with.
    """

    __attrs__ = requests.adapters.HTTPAdapter.__attrs__ + ["guard"]

    def __init__(self, guard: AddressGuard, **kwargs: object) -> None:
        self.guard = guard
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        pm = self.poolmanager
        pm.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}
        pm.key_fn_by_scheme = {s: functools.partial(_guarded_pool_key, s) for s in ("http", "https")}

    def get_connection_with_tls_context(self, request: requests.PreparedRequest, verify: object, proxies: dict | None = None, cert: object = None):  # type: ignore[override]
        guard: AddressGuard = getattr(request, "newsprism_guard", None) or self.guard
        if select_proxy(request.url, proxies):
            # The proxy resolves the name and connects; check what our resolver says first.
            precheck(guard, request.url or "")
            return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)  # type: ignore[arg-type]
        try:
            host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)  # type: ignore[arg-type]
        except ValueError as e:
            raise requests.exceptions.InvalidURL(e, request=request) from None
        pool_kwargs["newsprism_guard"] = guard
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)


def precheck(guard: AddressGuard, url: str) -> None:
    """Resolve the URL's host and raise AddressRefused if the guard refuses it. Used where the
    connection itself is not guarded (a proxy, a session not made by make_session): the
    address connected to may then differ from the one checked. A name our resolver does not
    know is left to whoever connects (a proxy may know it)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or guard.host_allowed(host):
        return
    try:
        guard.resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError):
        pass


