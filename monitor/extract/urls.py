"""URL canonicalisation and the follow policy.

The same article is often linked with tracking parameters or a fragment; canonical URLs make
it one stored article. Links found on a page are only followed on the source's own site.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING = re.compile(
    r"^(utm_\w*|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid"
    r"|_ga|_gl|_hsenc|_hsmi|mkt_tok|zarsrc|gidzl|ref_src|spm|vero_id|oly_\w+|rb_clickid)$",
    re.I,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SPACE = re.compile(r"\s")


def _encode_spaces(text: str) -> str:
    """Whitespace inside a path or query as %XX: left raw, a trailing one would be stripped
    the next time the URL is read, and the same link would get two canonical forms."""
    return _SPACE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), text)


def canonicalize(url: str | None, base: str | None = None) -> str | None:
    """Absolute, normalised form of a link, or None when it is not a web URL."""
    if not url:
        return None
    url = url.strip().replace("\n", "").replace("\r", "").replace("\t", "")
    if not url:
        return None
    try:
        # an absolute http(s) link is what urljoin would give back: split once, not joined
        absolute = url[:8].lower().startswith(("http://", "https://"))
        parts = urlsplit(url) if absolute or not base else None
        if base and (parts is None or not parts.netloc):
            parts = urlsplit(urljoin(base, url))
        assert parts is not None  # split above: absolute, no base, or joined to the base
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return None
        host = (parts.hostname or "").rstrip(".")
        if not host:
            return None
        port = parts.port
    except ValueError:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _TRACKING.match(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    path = _encode_spaces(parts.path or "/")
    canonical: str = urlunsplit((scheme, netloc, path, _encode_spaces(query), ""))
    return canonical


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def _scheme_host(url: str) -> tuple[str, str] | None:
    """(scheme, host) as `host_of` reads them, from one parse; None for an unreadable URL."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return None


def _site(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


@lru_cache(maxsize=4096)
def _source_site(source_url: str) -> tuple[str, bool]:
    """A source's site (its host without www.) and whether it lives on a private address."""
    host = host_of(source_url)
    return _site(host), _is_private(host)


@lru_cache(maxsize=4096)  # hosts repeat on every link of a page: one address parse each
def _is_private(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved


def same_site(url: str, source_url: str, allow_hosts: Iterable[str] = ()) -> bool:
    """True when ``url``'s host is the source's site, one of its subdomains or an allowed host."""
    host = host_of(url)
    if not host:
        return False
    site = _site(host_of(source_url))
    for allowed in (site, *(h.lower().strip(".") for h in allow_hosts)):
        if allowed and (host == allowed or host.endswith("." + allowed)):
            return True
    return False


def is_followable(url: str | None, source_url: str, allow_hosts: Iterable[str] = ()) -> bool:
    """May a link discovered on a page of this source be fetched?

    Only http(s), only the source's site (subdomains included) or ``allow_hosts``, and never a
    private or loopback address unless the source itself lives on one.
    """
    if not url:
        return False
    parsed = _scheme_host(url)
    if parsed is None:
        return False
    scheme, host = parsed
    if scheme not in ("http", "https") or not host:
        return False
    site, source_private = _source_site(source_url)
    for allowed in (site, *(h.lower().strip(".") for h in allow_hosts)):
        if allowed and (host == allowed or host.endswith("." + allowed)):
            break
    else:
        return False  # not the source's site (as `same_site`)
    return source_private or not _is_private(host)
