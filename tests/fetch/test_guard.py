"""The address guard: non-public hosts are refused before any connection, unless allow-listed.

Every "refused" test runs a real server on the address being refused and asserts that it saw no
request, so a refusal that merely failed to connect would not pass.
"""
from __future__ import annotations

import ipaddress
import socket

import pytest
import requests

from flows.archive import WarcWriter, iter_responses
from flows.http import (
    ALLOW_HOSTS_ENV,
    AddressGuard,
    AddressRefused,
    FetchPolicy,
    address_class,
    allow_hosts_from_env,
    fetch,
    fetch_many,
    make_session,
)
from flows.replay import ReplayAdapter, ReplayArchive
from parsers.records import FETCH_STATUSES, fetch_outcome
from tests.fetch.conftest import UTF8_PAGE

HINT = "allow it with --allow-host or NEWSPRISM_ALLOW_HOSTS"


def policy(*allow: str, **kw) -> FetchPolicy:
    return FetchPolicy(**{"allow_hosts": allow, "retries": 0, "connect_timeout": 2, "read_timeout": 2, "obey_robots": False, **kw})


def get(url: str, pol: FetchPolicy):
    with make_session(pol) as s:
        return fetch(s, url, pol, sleep=pytest.fail)


class TestRefusedByDefault:
    def test_loopback(self, server):
        r = get(server.url("/ok"), policy())
        assert r.status == "refused" and r.attempts == 0 and r.http_status is None and r.body is None
        assert r.error == f"refused: 127.0.0.1 is a loopback address; {HINT}"
        assert server.counts["/ok"] == 0
        assert "refused" in FETCH_STATUSES and fetch_outcome(r.status, r.http_status) == "blocked"

    def test_ipv6_loopback(self, server6):
        r = get(server6.url("/ok"), policy("127.0.0.1"))
        assert r.status == "refused" and r.error == f"refused: ::1 is a loopback address; {HINT}"
        assert server6.counts["/ok"] == 0

    @pytest.mark.parametrize("name", ["localhost", "LocalHost"])
    def test_name_resolving_to_loopback(self, server, name):
        r = get(f"http://{name}:{server.port}/ok", policy())
        assert r.status == "refused"
        assert r.error.startswith(f"refused: {name.lower()} resolves to 127.0.0.1, a loopback address;")
        assert server.counts["/ok"] == 0

    @pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "0177.0.0.1", "0x7f.0.0.1", "127.1", "[::ffff:127.0.0.1]"])
    def test_other_spellings_of_loopback(self, server, host):
        """Decimal, hex, octal, short and IPv4-mapped forms are judged by the address they reach."""
        r = get(f"http://{host}:{server.port}/ok", policy())
        assert r.status == "refused" and "loopback" in r.error and "127.0.0.1" in r.error
        assert server.counts["/ok"] == 0
        # ... and the same URL goes through once that address is allowed: it is the same server.
        assert get(f"http://{host}:{server.port}/ok", policy("127.0.0.1")).status == "ok"
        assert server.counts["/ok"] == 1

    @pytest.mark.parametrize("url, words", [
        ("http://10.0.0.5/admin", "10.0.0.5 is a private address"),
        ("http://192.168.1.1/", "192.168.1.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address, where cloud providers serve instance metadata"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
        ("http://[::]/", ":: is an unspecified address"),
        ("http://[fe80::1]/", "fe80::1 is a link-local address"),
        ("http://[fd12:3456::1]/", "fd12:3456::1 is a private address"),
        ("http://224.0.0.251/", "224.0.0.251 is a multicast address"),
        ("http://100.64.0.7/", "100.64.0.7 is a shared (carrier-grade NAT) address"),
        ("http://240.0.0.1/", "240.0.0.1 is a reserved address"),
        ("http://[::ffff:10.0.0.5]/", "::ffff:10.0.0.5 is a private address (it stands for 10.0.0.5)"),
        ("http://[64:ff9b::a00:5]/", "is a private address (it stands for 10.0.0.5)"),
    ])
    def test_non_public_addresses(self, url, words):
        # None of these is contacted: the refusal comes back at once, with no connect timeout.
        r = get(url, policy("127.0.0.1"))
        assert r.status == "refused" and r.attempts == 0
        assert words in r.error and r.error.endswith(HINT)


class TestAllowList:
    def test_by_address(self, server):
        assert get(server.url("/ok"), policy("127.0.0.1")).body == UTF8_PAGE

    def test_by_cidr(self, server):
        assert get(server.url("/ok"), policy("127.0.0.0/8")).status == "ok"
        assert get(server.url("/ok"), policy("10.0.0.0/8")).status == "refused"
        assert server.counts["/ok"] == 1

    def test_by_name(self, server):
        pol = policy("localhost")
        assert get(f"http://localhost:{server.port}/ok", pol).status == "ok"
        # The name is allowed, not the address: 127.0.0.1 written out is still refused.
        assert get(server.url("/ok"), pol).status == "refused"

    def test_address_allows_a_name_resolving_to_it(self, server):
        assert get(f"http://localhost:{server.port}/ok", policy("127.0.0.1")).status == "ok"

    def test_ipv6_allowed(self, server6):
        r = get(server6.url("/ok"), policy("::1"))
        assert r.status == "ok" and server6.counts["/ok"] == 1

    def test_domain_suffix(self, server, monkeypatch):
        _fake_dns(monkeypatch, {"news.intranet.example": "127.0.0.1", "intranet.example": "127.0.0.1", "evil-intranet.example": "127.0.0.1"})
        pol = policy(".intranet.example")
        assert get(f"http://news.intranet.example:{server.port}/ok", pol).status == "ok"
        assert get(f"http://intranet.example:{server.port}/ok", pol).status == "ok"
        assert get(f"http://evil-intranet.example:{server.port}/ok", pol).status == "refused"
        assert server.counts["/ok"] == 2

    def test_from_the_environment(self, server, monkeypatch):
        monkeypatch.setenv(ALLOW_HOSTS_ENV, " 10.0.0.0/8, 127.0.0.1 ,intranet.example,")
        assert allow_hosts_from_env() == ("10.0.0.0/8", "127.0.0.1", "intranet.example")
        pol = FetchPolicy(retries=0, obey_robots=False)  # default: read from the environment
        assert pol.allow_hosts == ("10.0.0.0/8", "127.0.0.1", "intranet.example")
        assert get(server.url("/ok"), pol).status == "ok"
        monkeypatch.delenv(ALLOW_HOSTS_ENV)
        assert FetchPolicy().allow_hosts == () and allow_hosts_from_env() == ()

    @pytest.mark.parametrize("entry, words", [
        ("127.0.0.1:8080", "without a port"),
        ("http://intranet.example", "without a port or scheme"),
        ("10.0.0.0/33", "not a valid network"),
        ("intranet example", "not a host name, an IP address or a CIDR"),
        ("-bad-.example", "not a host name"),
    ])
    def test_bad_entries_are_named(self, monkeypatch, entry, words):
        with pytest.raises(ValueError, match=words):
            FetchPolicy(allow_hosts=(entry,))
        monkeypatch.setenv(ALLOW_HOSTS_ENV, f"127.0.0.1,{entry}")
        with pytest.raises(ValueError, match=ALLOW_HOSTS_ENV):
            allow_hosts_from_env()

    def test_a_comma_separated_string_is_accepted(self):
        assert FetchPolicy(allow_hosts="127.0.0.1, ::1").allow_hosts == ("127.0.0.1", "::1")  # type: ignore[arg-type]


class TestRedirects:
    @pytest.mark.parametrize("path, target, words", [
        ("/to-metadata", "http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("/to-private", "http://10.0.0.5/admin", "10.0.0.5 is a private address"),
        ("/to-ipv6-loopback", "http://[::1]:{port}/ok", "::1 is a loopback address"),
    ])
    def test_redirect_to_a_non_public_address(self, server, tmp_path, path, target, words):
        target = target.format(port=server.port)
        pol = policy("127.0.0.1")
        with WarcWriter(tmp_path / "a.warc.gz") as archive, make_session(pol) as s:
            r = fetch(s, server.url(path), pol, archive=archive)
        assert r.status == "refused" and r.final_url == target
        assert words in r.error and f"reached by redirect: {server.url(path)} -> {target}" in r.error
        assert r.attempts == 1  # the first hop was sent
        assert [a.url for a in iter_responses(tmp_path / "a.warc.gz")] == [server.url(path)]  # the hop, nothing more

    def test_redirect_to_a_name_for_loopback(self, server):
        r = get(server.url("/to-localhost"), policy("127.0.0.1/32", "10.9.9.9"))
        assert r.status == "ok"  # localhost reaches 127.0.0.1, which is allowed
        r = get(server.url("/to-localhost"), policy("localhost"))
        assert r.status == "refused" and server.counts["/to-localhost"] == 1  # the first hop is 127.0.0.1


class TestConnection:
    def test_connects_to_the_address_it_checked(self, server, monkeypatch):
        """DNS rebinding: a name that answers a public address when checked and loopback later
        must not reach loopback. The guard resolves once and connects to what it checked."""
        calls: list[str] = []
        real = socket.getaddrinfo

        def rebinding(host, port, *args, **kw):
            if host == "rebind.example":
                calls.append(host)
                addr = "8.8.8.8" if len(calls) == 1 else "127.0.0.1"
                return real(addr, port, *args, **kw)
            return real(host, port, *args, **kw)

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        r = get(f"http://rebind.example:{server.port}/ok", policy(connect_timeout=0.3))
        assert calls == ["rebind.example"]  # one resolution per connection
        assert r.status in ("connection_error", "timeout")  # 8.8.8.8 on a port it does not serve
        assert server.counts["/ok"] == 0

    def test_mixed_answers_use_only_the_allowed_addresses(self, server, monkeypatch):
        # A name with a private and a loopback address, only loopback allowed: it is used.
        _fake_dns(monkeypatch, {"two.example": ["10.0.0.5", "127.0.0.1"]})
        assert get(f"http://two.example:{server.port}/ok", policy("127.0.0.1")).status == "ok"
        r = get(f"http://two.example:{server.port}/ok", policy())
        assert r.status == "refused" and "two.example resolves to 10.0.0.5, a private address (and to 1 more non-public address)" in r.error

    def test_a_kept_alive_connection_is_not_reused_under_a_narrower_allow_list(self, server):
        wide, narrow = policy("127.0.0.1"), policy()
        with make_session(wide) as s:
            assert fetch(s, server.url("/ok"), wide).status == "ok"
            assert fetch(s, server.url("/ok"), narrow).status == "refused"
        assert server.counts["/ok"] == 1

    def test_plain_session_get_is_guarded_too(self, server):
        with make_session(policy()) as s:
            with pytest.raises(AddressRefused, match="127.0.0.1 is a loopback address"):
                s.get(server.url("/ok"))
        assert server.counts["/ok"] == 0

    def test_a_session_not_made_by_make_session_is_checked(self, server):
        with requests.Session() as s:
            r = fetch(s, server.url("/ok"), policy())
        assert r.status == "refused" and server.counts["/ok"] == 0

    def test_through_a_proxy_the_target_is_checked(self, server, monkeypatch):
        """The proxy (the test server) would happily forward to 10.0.0.5; we never ask it to.
        A name our resolver does not know is the proxy's to resolve."""
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        pol = policy()
        with make_session(pol) as s:
            s.proxies = {"http": server.base}
            refused = fetch(s, "http://10.0.0.5/admin", pol)
            passed = fetch(s, "http://unresolvable.invalid/story", pol)
        assert refused.status == "refused" and "10.0.0.5 is a private address" in refused.error
        assert passed.http_status == 404  # the proxy got it (and has no such route)
        assert server.counts == {"http://unresolvable.invalid/story": 1}

    def test_replay_is_not_guarded(self, server, tmp_path):
        live_policy = policy("127.0.0.1")
        with WarcWriter(tmp_path / "a.warc.gz") as archive, make_session(live_policy) as s:
            assert fetch(s, server.url("/ok"), live_policy, archive=archive).status == "ok"
        replay_policy = policy()
        replay = make_session(replay_policy, replay=ReplayAdapter(ReplayArchive([tmp_path / "a.warc.gz"])))
        r = fetch(replay, server.url("/ok"), replay_policy)
        assert r.status == "ok" and r.via == "replay" and r.body == UTF8_PAGE

    def test_fetch_many_reports_refusals_and_carries_on(self, server):
        pol = policy("127.0.0.1")
        with make_session(pol) as s:
            results = fetch_many([server.url("/to-metadata"), "http://10.1.2.3/x", server.url("/ok")], s, pol, per_host_interval=0)
        assert [r.status for r in results] == ["refused", "refused", "ok"]


@pytest.mark.parametrize("address, expected", [
    ("8.8.8.8", None),
    ("2606:4700::1111", None),
    ("::ffff:8.8.8.8", None),  # Python calls every mapped address reserved; the IPv4 one decides
    ("64:ff9b::808:808", None),  # NAT64 of a public address
    ("2002:808:808::1", None),  # 6to4 of a public address
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("192.168.0.1", "private"),
    ("fc00::1", "private"),
    ("192.0.2.1", "private"),  # documentation block
    ("0.1.2.3", "private"),  # "this network"
    ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("ff02::1", "multicast"),
    ("100.64.0.1", "shared (carrier-grade NAT)"),
    ("fec0::1", "site-local"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("::ffff:10.0.0.5", "private"),
    ("::ffff:127.0.0.1", "loopback"),
    ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
    ("2002:a00:5::1", "private"),  # 6to4 of 10.0.0.5
    ("2001::1", "private"),  # Teredo
])
def test_address_class(address, expected):
    assert address_class(address) == expected


def test_guard_allows_mapped_addresses_by_their_ipv4_network():
    guard = AddressGuard.from_allow_list(["10.0.0.0/8"])
    assert guard.refusal(ipaddress.ip_address("::ffff:10.1.1.1")) is None
    assert guard.refusal(ipaddress.ip_address("::ffff:192.168.1.1")) == "private"
    assert guard == AddressGuard.from_allow_list(("10.0.0.0/8",)) and hash(guard)  # pools are keyed by it


def _fake_dns(monkeypatch, table: dict[str, str | list[str]]) -> None:
    """Resolve the names in `table` to the given addresses; everything else as usual."""
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kw):
        if host in table:
            addrs = table[host] if isinstance(table[host], list) else [table[host]]
            return [info for a in addrs for info in real(a, port, *args, **kw)]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
