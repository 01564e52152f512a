"""The URL rules and the address policy of webhooks, as the resolver would read each host."""

import ipaddress

import pytest

from webhooks.addresses import UrlError, address_refusal, host_refusal, url_parse

INTERNAL = [
    "http://127.0.0.1/",
    "http://localhost:8000/x",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "http://0.0.0.0/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::]/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.1.1/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata/",
    "http://metadata.goog/",
    "http://instance-data/",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_internal_hosts_are_refused_when_nothing_is_allowed(url, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    assert host_refusal(url_parse(url))


@pytest.mark.parametrize(
    "url,host,ip",
    [
        ("http://2130706433/", "127.0.0.1", "127.0.0.1"),
        ("http://0x7f000001/", "127.0.0.1", "127.0.0.1"),
        ("http://017700000001/", "127.0.0.1", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1", "127.0.0.1"),
        ("http://127.1/", "127.0.0.1", "127.0.0.1"),
        ("http://10.1/", "10.0.0.1", "10.0.0.1"),
        ("http://[::FFFF:127.0.0.1]/", "::ffff:7f00:1", "::ffff:7f00:1"),
        ("http://Example.COM./x", "example.com", None),
        ("https://bücher.example/", "xn--bcher-kva.example", None),
    ],
)
def test_hosts_are_normalised_the_way_the_resolver_reads_them(url, host, ip):
    target = url_parse(url)
    assert target.host == host
    assert target.ip == (ipaddress.ip_address(ip) if ip else None)


def test_a_good_url_keeps_its_port_path_and_query():
    target = url_parse("https://hooks.example.com:8443/in/bound?x=1")
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "hooks.example.com",
        8443,
        "/in/bound?x=1",
    )
    assert url_parse("http://hooks.example.com").path == "/"
    assert url_parse("http://hooks.example.com").port == 80


@pytest.mark.parametrize(
    "url,words",
    [
        ("http://127.0.0.1:abc/", "port"),
        ("http://hooks.example.com:0/", "port"),
        ("http://hooks.example.com:65536/", "port"),
        ("http://hooks.example.com:/", "port"),
        ("http://user:pw@hooks.example.com/", "user name or password"),
        ("http://user@hooks.example.com/", "user name or password"),
        ("ftp://hooks.example.com/", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("//hooks.example.com/", "http:// or https://"),
        ("http:///path", "absolute"),
        ("http://a..b/", "host"),
        ("http://-a.example/", "host"),
        ("http://a_b.example/", "host"),
        ("http://1.2.3.4.5/", "host"),
        ("http://256.0.0.1/", "host"),
        ("http://08.0.0.1/", "host"),
        ("http://example.123/", "host"),
        ("http://[::1/", "valid URL"),
        ("http://[fe80::1%25eth0]/", "zone"),
        ("http://[::1]junk/", "host"),
        ("http://hooks example.com/", "spaces"),
        ("http://hooks.example.com/\n", "spaces"),
        ("http://hooks.example.com/ü", "Percent-encode"),
        ("http://hooks.example.com/" + "a" * 480, "longer than 500"),
        ("", "required"),
        (None, "required"),
    ],
)
def test_malformed_urls_are_refused_with_a_sentence(url, words):
    with pytest.raises(UrlError) as err:
        url_parse(url)
    message = str(err.value)
    assert words in message and message.endswith(".")


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8", "93.184.216.34"],
)
def test_public_addresses_pass(address, settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_allowed_networks_open_exactly_what_they_name(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = "10.0.0.0/8, ::1/128"
    assert address_refusal(ipaddress.ip_address("10.2.3.4")) is None
    assert address_refusal(ipaddress.ip_address("::1")) is None
    assert address_refusal(ipaddress.ip_address("::ffff:10.2.3.4")) is None  # mapped: the IPv4
    assert address_refusal(ipaddress.ip_address("127.0.0.1")) == "a loopback address"
    assert address_refusal(ipaddress.ip_address("192.168.0.1")) == "a private address"


def test_metadata_addresses_are_refused_even_inside_an_allowed_network(settings):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["0.0.0.0/0", "::/0"]
    for address in ("169.254.169.254", "::ffff:169.254.169.254", "fd00:ec2::254", "169.254.170.2"):
        assert address_refusal(ipaddress.ip_address(address)) == "a cloud metadata address"
    assert address_refusal(ipaddress.ip_address("169.254.1.1")) is None  # allowed, not metadata
    assert host_refusal(url_parse("http://metadata.google.internal/")) == "a cloud metadata host"


def test_the_development_default_allows_local_receivers_and_production_none():
    from django.conf import settings

    assert settings.DJANGO_ENV == "development"
    assert settings.WEBHOOK_ALLOWED_NETWORKS == [
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
    ]
    assert host_refusal(url_parse("http://127.0.0.1:9/")) is None
    assert host_refusal(url_parse("http://localhost:9/")) is None


def test_production_allows_no_internal_network_unless_told(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "WEBHOOK_ALLOWED_NETWORKS"}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="k" * 64,
        ALLOWED_HOSTS="redress.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    show = "import config.settings as s; print(s.WEBHOOK_ALLOWED_NETWORKS)"
    root = Path(__file__).resolve().parents[2]

    def allowed(**extra) -> str:
        run = subprocess.run(
            [sys.executable, "-c", show],
            cwd=root,
            env={**env, **extra},
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert allowed() == "[]"
    assert (
        allowed(WEBHOOK_ALLOWED_NETWORKS="10.1.2.0/24, fd00::/8") == "['10.1.2.0/24', 'fd00::/8']"
    )
