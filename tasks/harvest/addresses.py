"""Where downloads may go: public addresses only, judged on the addresses a name resolves to.

A host is refused when any address it resolves to is not public unicast: private, loopback,
link-local, multicast, reserved or unspecified. An IPv6 address that carries an IPv4 one is judged
by that IPv4 address (IPv4-mapped, -translated and -compatible forms, NAT64's 64:ff9b::/96), and a
tunnel's (6to4, Teredo with its inverted client) by both; the local-use NAT64 prefix 64:ff9b:1::/48
never leads to a public host. Spellings do not matter: `0x7f000001`, `127.1` and `[::ffff:7f00:1]`
resolve to 127.0.0.1 before they are judged.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlparse

from tasks.harvest.errors import PdfUnavailable

METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}


# IPv6 forms that carry an IPv4 address: the address a packet reaches is the IPv4 one inside.
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT, RFC 2765
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated, RFC 4291
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # well-known prefix, RFC 6052
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # local-use prefix, RFC 8215: not global
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[list[ipaddress.IPv4Address], bool]:
    """The IPv4 addresses an IPv6 address carries, and whether they alone decide where it leads.

    Translation forms (IPv4-mapped, -translated, -compatible, NAT64's well-known prefix) lead to
    the IPv4 address inside; tunnels (6to4, Teredo: server and inverted client) carry theirs
    beside an IPv6 address that must be public too.
    """
    low = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped], True
    if address in _IPV4_TRANSLATED or address in _NAT64:
        return [low], True
    if address in _IPV4_COMPATIBLE and int(address) > 1:  # not :: or ::1, which are themselves
        return [low], True
    if address.sixtofour is not None:
        return [address.sixtofour], False
    if address.teredo is not None:
        return list(address.teredo), False
    return [], False


def _kind(address: IPAddress) -> str | None:
    """Why an address is not a public unicast one, in a word; None when it is."""
    for word, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not global", not address.is_global),
    ):
        if flag:
            return word
    return None


def non_public(address: IPAddress) -> str | None:
    """Why address must not be fetched from (None when it is public), looking inside IPv6 forms."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return "in the local-use NAT64 prefix 64:ff9b:1::/48, never a public host"
        inner, decides = embedded_ipv4(address)
        for v4 in inner:
            kind = _kind(v4)
            if kind is not None:
                return f"{kind} {v4} inside it"
        if decides:
            return None
    return _kind(address)


def check_host(url: str, *, allowed_hosts: Sequence[str], allow_private: bool) -> None:
    """Refuse non-http(s) URLs and hosts whose addresses are not public: every address the name
    resolves to, and the IPv4 address inside any IPv6 form that carries one."""
    parsed = urlparse(url)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise PdfUnavailable(f"{url}: only http(s) URLs are downloaded")
    host = parsed.hostname.lower()
    if host in allowed_hosts:
        return
    if host in METADATA_HOSTS:
        raise PdfUnavailable(f"{url}: refused: {host} is a cloud metadata host")
    try:
        infos = socket.getaddrinfo(host, parsed.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise PdfUnavailable(f"{url}: cannot resolve {host} ({exc})") from exc
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]))
        # Any address of the host counts: one non-public answer is enough to be refused.
        why = non_public(address)
        if why is not None:
            raise PdfUnavailable(
                f"{url}: refused: {host} resolves to non-public address {address} ({why}; "
                "allow it with PAPERPANELS_HARVEST__ALLOWED_HOSTS)"
            )
