"""Fetching: one polite HTTP client (`client`), over per-host pools (`transport`), with host
limits (`hostlimit`), robots.txt (`robots`), the address guard (`netguard`) and the one place
failures become words (`reasons`). httpx's private names are touched in `httpxcompat` only.
"""

# First: httpx's stand-ins must be in place before anything imports httpx.
from monitor.fetch import httpxcompat as httpxcompat
