"""Pure extraction: fetched bytes → Listing (feed or HTML listing) or Article.

No I/O here: the pipeline fetches, these functions read. ``source`` is any object with the
Source attributes (type, url, items, article, allow_hosts); None means automatic mode.
"""

from __future__ import annotations

from .article import extract_article
from .dates import parse_date
from .listing import extract_listing
from .urls import canonicalize, is_followable

__all__ = ["canonicalize", "extract_article", "extract_listing", "is_followable", "parse_date"]
