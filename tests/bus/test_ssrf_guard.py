"""The address checks of the SSRF guard, without connecting anywhere."""

import ipaddress
import socket

import pytest

from access.upstream import UpstreamRefused, address_is_public, check_upstream, host_allowed


@pytest.mark.parametrize("ip", [
    "169.254.169.254",  # cloud metadata (link-local)
    "127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "0.0.0.0",
    "224.0.0.1", "::1", "fe80::1", "fc00::1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",
])
def test_non_public_addresses(ip):
    assert address_is_public(ip) is False


@pytest.mark.parametrize("ip", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses(ip):
    assert address_is_public(ip) is True


@pytest.fixture
def resolver(monkeypatch):
    """Name resolution answered from a table: the guard checks what a name resolves to, offline."""
    table = {}

    def fake_getaddrinfo(host, port, *args, **kwargs):
        try:
            address = table.get(host) or str(ipaddress.ip_address(host))
        except ValueError:
            raise socket.gaierror("unknown host") from None
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    return table


def test_allowed_name_resolving_to_metadata_address_is_refused(settings, resolver):
    settings.SPLP_UPSTREAM_HOSTS = ["*.go.id"]
    resolver["api.dukcapil.go.id"] = "169.254.169.254"  # a DNS record pointed at the metadata service
    with pytest.raises(UpstreamRefused, match="non-public"):
        check_upstream("https://api.dukcapil.go.id/v1")
    resolver["api.dukcapil.go.id"] = "93.184.216.34"
    assert check_upstream("https://api.dukcapil.go.id/v1") == ["93.184.216.34"]


def test_host_must_be_on_the_allow_list_and_https(settings, resolver):
    settings.SPLP_UPSTREAM_HOSTS = ["*.go.id", "93.184.216.0/24"]
    settings.SPLP_INTERNAL_HOSTS = ["10.20.0.0/16", "intranet.local"]
    resolver.update({"evil.example.com": "198.51.100.1", "api.dinkes.go.id": "93.184.216.5",
                     "intranet.local": "10.20.1.1"})
    with pytest.raises(UpstreamRefused, match="allow-list"):
        check_upstream("https://evil.example.com/")
    with pytest.raises(UpstreamRefused, match="https required"):
        check_upstream("http://api.dinkes.go.id/")
    assert check_upstream("http://intranet.local:8080/x") == ["10.20.1.1"]  # internal: http and private ok
    assert check_upstream("http://10.20.3.4/x") == ["10.20.3.4"]  # an internal network, by CIDR
    with pytest.raises(UpstreamRefused, match="allow-list"):
        check_upstream("https://10.99.0.1/x")  # private but not internal
    assert host_allowed("93.184.216.7") and not host_allowed("198.51.100.1")
    with pytest.raises(UpstreamRefused):
        check_upstream("ftp://api.dinkes.go.id/")


def test_bus_connects_to_the_checked_address_not_a_later_dns_answer(bus, bus_grant, upstream, monkeypatch, settings):
    """DNS rebinding: the name passes the guard, then resolves elsewhere; the bus keeps the checked address."""
    from directory.models import ApiVersion

    from .conftest import call

    _grant, raw = bus_grant
    settings.SPLP_INTERNAL_HOSTS = ["127.0.0.1", "localhost", "upstream.internal"]
    ApiVersion.objects.filter(service__slug="data-bus").update(
        upstream_base_url=f"http://upstream.internal:{upstream.server_port}/api"
    )
    # First the checked answer, then a rebinding one (a loopback address with nothing listening, so a
    # regression fails the test without sending traffic off this machine).
    answers = iter(["127.0.0.1"] + ["127.0.0.3"] * 10)
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host == "upstream.internal":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    answer = call(bus, "GET", "/gateway/data-bus/v1/echo", {"Authorization": f"Bearer {raw}"})
    assert answer.status == 200
    assert answer.json()["headers"]["Host"] == f"upstream.internal:{upstream.server_port}"
