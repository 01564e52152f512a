"""Where a webhook may be sent: the URL rules and the address policy, as pure functions.

Guarantees:
- `url_parse` accepts only an absolute http(s) URL of at most 500 characters with a valid host
  (a DNS name, IDNA allowed; an IPv4 address in any form the system resolver accepts; or a
  bracketed IPv6 address without a zone), an optional numeric port 1–65535, no user name or
  password, and an ASCII path and query. Anything else is a `UrlError` whose message is one
  sentence saying what to fix.
- A host is normalised the way the resolver would read it: `2130706433`, `0x7f000001`,
  `017700000001` and `127.1` are all 127.0.0.1; a trailing dot and letter case do not matter.
- `address_refusal` refuses loopback, private, link-local, multicast, reserved, unspecified and
  any other non-global address, also when wrapped in IPv6 (IPv4-mapped, NAT64, 6to4), unless
  it lies in `WEBHOOK_ALLOWED_NETWORKS`. Cloud metadata addresses are refused always, allowed
  networks or not.
- `host_refusal` applies the same policy to what a URL names before any lookup (literal
  addresses, `localhost`, metadata host names), so such URLs are refused when subscribing.
  Whatever a name resolves to is checked again, address by address, at delivery.

Imports nothing from the project; reads only the allowed networks from the settings.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import idna
from django.conf import settings
from django.utils.translation import gettext as _

MAX_URL_LENGTH = 500
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Instance metadata services (AWS, GCP, Azure, Oracle, DigitalOcean: 169.254.169.254; AWS ECS
# and EKS: 169.254.170.2 and .23; AWS over IPv6: fd00:ec2::254 and ::23; Alibaba: 100.100.100.200).
METADATA_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.169.254/32",
        "169.254.170.2/32",
        "169.254.170.23/32",
        "100.100.100.200/32",
        "fd00:ec2::254/128",
        "fd00:ec2::23/128",
    )
)
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "metadata.azure.internal",
    }
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMERIC = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class UrlError(ValueError):
    """A URL a webhook cannot be sent to; the message is a sentence for the subscriber."""


@dataclass(frozen=True)
class Target:
    """A parsed webhook URL: where to connect and what to send as Host, SNI and request line."""

    scheme: str
    host: str  # ASCII: a lower-case DNS name (punycode), or an IP address without brackets
    ip: IPAddress | None  # set when the URL names an address, not a name
    port: int
    path: str  # the request target: path and query, at least "/"

    @property
    def default_port(self) -> bool:
        return self.port == (443 if self.scheme == "https" else 80)


def url_parse(url: object) -> Target:
    """The URL's parts, or a `UrlError` saying what is wrong with it."""
    if not isinstance(url, str) or not url:
        raise UrlError(_("A URL is required."))
    if len(url) > MAX_URL_LENGTH:
        raise UrlError(_("The URL is longer than %(max)d characters.") % {"max": MAX_URL_LENGTH})
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise UrlError(_("The URL must not contain spaces or control characters."))
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UrlError(_("This is not a valid URL.")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UrlError(_("The URL must start with http:// or https://."))
    if not parts.netloc:
        raise UrlError(_("The URL must be absolute, like https://example.com/hooks."))
    if "@" in parts.netloc:
        raise UrlError(
            _(
                "The URL must not contain a user name or password; the signature secret "
                "authenticates deliveries."
            )
        )
    host_text, port_text = _split_host_port(parts.netloc)
    port = 443 if scheme == "https" else 80
    if port_text is not None:
        if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
            raise UrlError(_("The port must be a number from 1 to 65535."))
        port = int(port_text)
    host, ip = _host_parse(host_text)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if not path.isascii():
        raise UrlError(_("Percent-encode non-ASCII characters in the URL's path and query."))
    return Target(scheme=scheme, host=host, ip=ip, port=port, path=path)


def _split_host_port(netloc: str) -> tuple[str, str | None]:
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise UrlError(_("The URL's IPv6 address is missing its closing bracket."))
        rest = netloc[end + 1 :]
        if rest and not rest.startswith(":"):
            raise UrlError(_("The URL's host is not valid."))
        return netloc[: end + 1], rest[1:] if rest else None
    host, colon, port = netloc.rpartition(":")
    return (host, port) if colon else (netloc, None)


def _host_parse(text: str) -> tuple[str, IPAddress | None]:
    """(the ASCII host, its address if it is one) the way the resolver reads `text`."""
    invalid = UrlError(_("The URL's host is not a valid host name or IP address."))
    if text.startswith("["):
        inner = text[1:-1]
        if "%" in inner:
            raise UrlError(_("The URL's IPv6 address must not carry a zone (%)."))
        try:
            ip6 = ipaddress.IPv6Address(inner)
        except ValueError:
            raise invalid from None
        return str(ip6), ip6
    name = text[:-1] if text.endswith(".") else text
    if not name:
        raise invalid
    if name.isascii():
        name = name.lower()
    else:
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            raise invalid from None
    labels = name.split(".")
    if _NUMERIC.match(labels[-1]):  # the last label is a number: an IPv4 address or nothing
        ip4 = _ipv4_of(labels)
        if ip4 is None:
            raise invalid
        return str(ip4), ip4
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise invalid
    return name, None


def _ipv4_of(labels: list[str]) -> ipaddress.IPv4Address | None:
    """inet_aton's reading: 1 to 4 parts, each decimal, octal (0…) or hex (0x…); the last part
    fills the remaining bytes (127.1 is 127.0.0.1, 2130706433 is 127.0.0.1)."""
    if not 1 <= len(labels) <= 4:
        return None
    numbers = []
    for label in labels:
        if not _NUMERIC.match(label):
            return None
        try:
            if label.startswith("0x"):
                numbers.append(int(label[2:] or "0", 16))
            elif len(label) > 1 and label.startswith("0"):
                numbers.append(int(label, 8))
            else:
                numbers.append(int(label, 10))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = 0
    for n in head:
        value = value << 8 | n
    return ipaddress.IPv4Address(value << 8 * (4 - len(head)) | last)


# --- the address policy ------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _networks(value: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in value)


def allowed_networks() -> tuple[IPNetwork, ...]:
    """`WEBHOOK_ALLOWED_NETWORKS`: CIDRs (a list, or one comma-separated string)."""
    value = getattr(settings, "WEBHOOK_ALLOWED_NETWORKS", ())
    if isinstance(value, str):
        value = value.split(",")
    return _networks(tuple(n.strip() for n in value if n and n.strip()))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return ip.sixtofour


def address_refusal(ip: IPAddress) -> str | None:
    """Why a webhook may not be sent to `ip` (a short phrase), or None if it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            why = address_refusal(inner)
            if why or ip.ipv4_mapped is not None:
                return why
    if any(ip in n for n in METADATA_NETWORKS):
        return _("a cloud metadata address")
    if any(ip.version == n.version and ip in n for n in allowed_networks()):
        return None
    for test, why in (
        (ip.is_unspecified, _("an unspecified address")),
        (ip.is_loopback, _("a loopback address")),
        (ip.is_link_local, _("a link-local address")),
        (ip.is_multicast, _("a multicast address")),
        (ip.is_private, _("a private address")),
        (ip.is_reserved, _("a reserved address")),
        (not ip.is_global, _("not a public address")),
    ):
        if test:
            return why
    return None


def host_refusal(target: Target) -> str | None:
    """Why the URL's host is refused before any lookup: a literal internal address,
    `localhost`, or a metadata host name. None for names, which are checked when resolved."""
    if target.ip is not None:
        return address_refusal(target.ip)
    name = target.host
    if name in METADATA_NAMES or (name.startswith("metadata.") and name.endswith(".internal")):
        return _("a cloud metadata host")
    if name == "localhost" or name.endswith(".localhost"):
        return address_refusal(ipaddress.IPv4Address("127.0.0.1")) or address_refusal(
            ipaddress.IPv6Address("::1")
        )
    return None


def url_refusal(url: object) -> str | None:
    """Why `url` may not be subscribed (one sentence), or None: the URL rules, then the host
    rules before any lookup. The API and the admin ask this same question."""
    try:
        why = host_refusal(url_parse(url))
    except UrlError as exc:
        return str(exc)
    if why:
        return _("The URL's host is %(why)s; webhooks are only sent to public addresses.") % {
            "why": why
        }
    return None
