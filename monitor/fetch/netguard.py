"""Where a link found on a page may lead: http(s) only, and no private addresses.

A page can link to anything — `file:` paths, the router at 192.168.1.1, the cloud metadata
service at 169.254.169.254. Those links are refused unless the user allowed private addresses
or the source itself lives on the same kind of address (an intranet portal links to its own
intranet): a source on loopback grants loopback only, a source on a private network grants
private networks only, and nothing but a link-local source grants link-local addresses (the
metadata service).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time

from monitor.errors import FetchError

ALLOWED_SCHEMES = frozenset({"http", "https"})
_CACHE_TTL = 300.0  # seconds a host's verdict is reused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_private_ip(ip: IPAddress) -> bool:
    """True for anything that is not a public unicast address (private, loopback, link-local,
    reserved, shared, multicast, unspecified), including IPv4 addresses mapped into IPv6."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def address_kind(ip: IPAddress) -> str | None:
    """None for a public address, else "loopback" (this machine, 0.0.0.0 included),
    "link-local" (169.254/16, fe80::/10: cloud metadata) or "private" (every other range)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not is_private_ip(ip):
        return None
    if ip.is_loopback or ip.is_unspecified:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    return "private"


class AddressGuard:
    """Resolves hosts and caches whether they are private, for a few minutes."""

    def __init__(self, ttl: float = _CACHE_TTL) -> None:
        self._ttl = ttl
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    async def is_private_host(self, host: str) -> bool:
        """True when the host is, or resolves to, any private address.

        Raises FetchError("DNS lookup failed for HOST") when it does not resolve.
        """
        return bool(await self.private_kinds(host))

    async def private_kinds(self, host: str) -> frozenset[str]:
        """The `address_kind`s of the host's private addresses (empty: all public)."""
        host = host.strip("[]").lower()
        try:
            kind = address_kind(ipaddress.ip_address(host))
            return frozenset({kind}) if kind else frozenset()
        except ValueError:
            pass
        now = time.monotonic()
        hit = self._cache.get(host)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except (socket.gaierror, UnicodeError) as exc:
            raise FetchError(f"DNS lookup failed for {host}") from exc
        kinds = {
            address_kind(ipaddress.ip_address(str(info[4][0]).split("%")[0])) for info in infos
        }
        private = frozenset(k for k in kinds if k)
        self._cache[host] = (now + self._ttl, private)
        return private

    async def check_discovered(
        self, scheme: str, host: str, *, allow_private: bool, source_host: str | None
    ) -> None:
        """Raise FetchError unless a link found on a page may be fetched."""
        if scheme.lower() not in ALLOWED_SCHEMES:
            raise FetchError(f"unsupported URL scheme '{scheme}'")
        if allow_private or not host:
            return
        kinds = await self.private_kinds(host)
        if not kinds:
            return
        granted = await self._source_kinds(source_host) if source_host else frozenset()
        if not kinds <= granted:
            raise FetchError("private address not allowed")

    async def _source_kinds(self, host: str) -> frozenset[str]:
        """The kinds of private address a source grants: its own. One that does not resolve
        grants nothing."""
        try:
            return await self.private_kinds(host)
        except FetchError:
            return frozenset()
