"""Delivery channels: one small interface, so the handoff issue adds e-mail and webhook beside the inbox."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit

from .messages import Message


class Channel(Protocol):
    """Delivers one message or raises; a channel never swallows a failure (the caller retries)."""

    name: str

    def send(self, message: Message) -> None: ...


class InboxChannel:
    """The in-app inbox: the message is stored for the recipient to read via the API."""

    name = "inbox"

    def __init__(self, store: Callable[[Message], None]) -> None:
        self._store = store

    def send(self, message: Message) -> None:
        self._store(message)


# --- Webhook addresses (SPEC §5; security review findings 6 and 7) -------------------------
# A webhook URL is typed in by an admin and then fetched by the server: without a policy it
# reaches the cloud metadata service, the database port on the private network, or localhost.
# The policy is checked twice: on the URL when it is configured (no DNS: the name may not be
# registered yet, and a check of a name says nothing about what it resolves to later), and on
# every address the name resolves to right before a delivery, which then connects to the
# address it checked (DNS rebinding finds no window between the check and the connection).

METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "instance-data",
                            "instance-data.ec2.internal"})
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack (link-local anyway)
    "169.254.170.2",    # AWS ECS task metadata
    "100.100.100.200",  # Alibaba Cloud ECS metadata (shared address space, not link-local)
    "168.63.129.16",    # Azure wire server (a public address)
    "fd00:ec2::254",    # AWS IPv6 metadata (a unique local address)
))
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_LEGACY_IPV4 = re.compile(r"[0-9a-fx.]+")
"""What `inet_aton` might read as an IPv4 address: 2852039166, 0xa9fea9fe, 0251.0376.0251.0376."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _stands_for_ipv4(address: IPAddress) -> bool:
    """An IPv6 address that is only a way to write an IPv4 one (mapped, compatible, NAT64)."""
    return address.version == 6 and (address.ipv4_mapped is not None or address in _NAT64
                                     or (address in _IPV4_COMPATIBLE and int(address) > 1))


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 address an IPv6 address stands for or carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if address.version == 4:
        return []
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if _stands_for_ipv4(address):
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return [address.teredo[1]]
    return []


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why a webhook may not be delivered to `address`, or None when it may.

    Link-local, metadata and non-unicast addresses are refused always; loopback, private,
    shared (CGNAT) and the other non-global ranges unless `allow_private`
    (IPCASE_WEBHOOK_ALLOW_PRIVATE: a partner on the same private network, or tests on 127.0.0.1).
    An IPv6 address carrying an IPv4 one is judged by what it carries too.
    """
    embedded = _embedded_ipv4(address)
    judged = embedded if _stands_for_ipv4(address) else [address, *embedded]
    private = None
    for a in judged:
        if a in METADATA_ADDRESSES:
            return "a cloud metadata address"
        if a.is_link_local:
            return "a link-local address"
        if a.is_loopback:
            private = private or "a loopback address"
        elif a.is_unspecified or a.is_multicast or a.is_reserved:
            return "not a unicast address"
        elif a.is_private or a in _SHARED_ADDRESS_SPACE or not a.is_global:
            private = private or "a private address"
    return None if allow_private else private


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally, including the legacy IPv4 forms a resolver accepts."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def host_refusal(host: str, *, allow_private: bool) -> str | None:
    """Why a webhook may not name `host`, judged without DNS (at configuration and before resolving)."""
    name = host.rstrip(".").lower()
    if name in METADATA_HOSTS:
        return "a cloud metadata host"
    if name == "localhost" or name.endswith(".localhost"):
        return None if allow_private else "a loopback address"
    address = literal_address(name)
    return address_refusal(address, allow_private=allow_private) if address is not None else None


def webhook_url_refusal(url: str, *, allow_private: bool) -> str | None:
    """Why `url` may not be a webhook, or None: http(s), no credentials, a host that passes the policy."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        return "the webhook URL is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "a webhook URL is http:// or https://"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "a webhook URL may not carry credentials (user:password@); the shared secret signs every delivery"
    if not parts.hostname:
        return "the webhook URL names no host"
    reason = host_refusal(parts.hostname, allow_private=allow_private)
    return f"the webhook host is {reason}" if reason else None
