"""Property fuzzing of every part that reads text from the outside world.

- the normaliser: never raises, output NFC, each form idempotent and length-keeping;
- date parsing: never raises, never a date more than a day in the future;
- URL canonicalisation: never raises, idempotent, only http(s) out;
- extraction on mutated real pages and feeds (tests/fixtures/sites as seeds): a result or an
  ExtractError, nothing else;
- configuration on mutated YAML: a Config or a ConfigError naming file and line, never
  another exception.

Each test runs 200 examples in the normal suite (NEWSMON_FUZZ_EXAMPLES overrides) and
10,000 in its `full` variant, which runs only under `pytest -m slow`.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config.models import Config, parse_config
from monitor.errors import ConfigError, ExtractError
from monitor.extract import canonicalize, extract_article, extract_listing, parse_date
from monitor.match.normalize import clean, fold, match_form

SITES = Path(__file__).parent / "fixtures" / "sites"
SEEDS = {
    p.relative_to(SITES).as_posix(): p.read_bytes()
    for p in sorted(SITES.rglob("*"))
    if p.suffix in (".html", ".htm", ".rss", ".atom")
}
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2024, 12, 1, 9, 0, tzinfo=TZ)

_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "newsmon-fuzz",
    max_examples=int(os.environ.get("NEWSMON_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=_CHECKS,
)
settings.register_profile(
    "newsmon-fuzz-full", max_examples=10_000, deadline=None, suppress_health_check=_CHECKS
)
SIZES = ["ci", pytest.param("full", marks=pytest.mark.slow)]


@pytest.fixture(autouse=True)
def _full_only_when_asked(request: pytest.FixtureRequest) -> None:
    """The `full` variants run only when slow tests are asked for (-m slow)."""
    full = request.node.get_closest_marker("slow") is not None
    if full and "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("full-size fuzzing runs with -m slow")


def fuzz(size: str, prop: Callable[..., None], **strategies: st.SearchStrategy) -> None:
    """Run the property `prop` under the size's profile (settings bind when `given` wraps)."""
    profile = settings.get_profile("newsmon-fuzz-full" if size == "full" else "newsmon-fuzz")
    settings(profile)(given(**strategies)(prop))()


# -- strategies -----------------------------------------------------------------------------
VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
PIECES = [
    "hoà", "thoả", "uỷ", "Hòa", "TP.HCM", "ĐBSCL", "UBND", "liên kết vùng", "Ð", "ð", "&amp;",
    "&nbsp;", "&#273;", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323", "\u200b", "\u00ad",
    "\ufeff", "\xa0", "\n\n", "\r\n", "\u2028", " ", "\t", "o\u0301a", "u\u0309y", "Ô\u0302",
]  # fmt: skip
viet_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet=VIET + VIET.upper() + " .,"), st.text()),
    max_size=25,
).map("".join)

DATE_PIECES = [
    "Thứ Sáu, 29/11/2024 - 10:30", "29/11/2024", "29-11-2024 10:30:15", "2024-11-29T10:30:00+07:00",
    "Fri, 29 Nov 2024 10:30:15 +0700", "ngày 29 tháng 11 năm 2024", "10:30", "GMT+7", "cách đây",
    "3 giờ trước", "hôm qua", "31/02/2024", "99/99/9999", "00:00", "24:61", "2099-01-01", "1899",
    "0/0/0", "+23:59", "-12:00", "tháng", "năm", "Z", "T", ":", "/", "-", "9" * 30,
]  # fmt: skip
date_text = st.lists(
    st.one_of(st.sampled_from(DATE_PIECES), st.text(max_size=8), st.integers().map(str)),
    max_size=8,
).map(" ".join)
zones = st.sampled_from([TZ, UTC, ZoneInfo("America/Los_Angeles"), ZoneInfo("Pacific/Kiritimati")])
nows = st.datetimes(
    min_value=datetime(1995, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)

URL_PIECES = [
    "http://", "https://", "HTTP://", "//", "/", "?", "#", "&", "=", ":", "@", "[", "]", "%",
    "%zz", "%2F", "..", ".", "utm_source=x", "fbclid=1", "id=4629", "cantho.gov.vn", "WWW.",
    "127.0.0.1", "[::1]", ":8080", ":0", ":99999", ":-1", "xn--", "đường", "javascript:",
    "file:///etc/passwd", "mailto:a@b", " ", "\t", "\n", "\x00", "\\",
]  # fmt: skip
url_text = st.lists(st.one_of(st.sampled_from(URL_PIECES), st.text(max_size=6)), max_size=12).map(
    "".join
)
bases = st.sampled_from(
    [None, "http://127.0.0.1:8080/tin-tuc/", "https://cantho.gov.vn/", "not a url", "http://[::1]/"]
)


# -- the normaliser -------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_normaliser_is_idempotent_nfc_and_never_raises(size: str) -> None:
    fuzz(size, prop_normaliser_is_idempotent_nfc_and_never_raises, text=viet_text)


def prop_normaliser_is_idempotent_nfc_and_never_raises(text: str) -> None:
    cleaned = clean(text)
    assert clean(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    for form in (match_form, fold):
        out = form(text)
        assert form(out) == out, form.__name__
        assert unicodedata.is_normalized("NFC", out), form.__name__
        assert len(out) == len(cleaned), "offsets in a form are offsets in the display text"


# -- dates ------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_date_parsing_never_raises_nor_looks_ahead(size: str) -> None:
    fuzz(
        size,
        prop_date_parsing_never_raises_nor_looks_ahead,
        text=st.one_of(date_text, st.text()),
        tz=zones,
        now=nows,
    )


def prop_date_parsing_never_raises_nor_looks_ahead(text: str, tz: ZoneInfo, now: datetime) -> None:
    found = parse_date(text, tz=tz, now=now)
    if found is not None:
        assert found.tzinfo is not None
        assert found <= now + timedelta(days=1)


# -- URLs -------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_canonical_url_is_idempotent_and_never_raises(size: str) -> None:
    fuzz(
        size,
        prop_canonical_url_is_idempotent_and_never_raises,
        url=st.one_of(url_text, st.text()),
        base=bases,
    )


def prop_canonical_url_is_idempotent_and_never_raises(url: str, base: str | None) -> None:
    once = canonicalize(url, base)
    if once is None:
        return
    assert once.startswith(("http://", "https://"))
    assert canonicalize(once) == once
    assert canonicalize(once, base) == once


# -- extraction on mutated real pages ---------------------------------------------------------
SNIPPETS = [
    b"<", b">", b"</div>", b"<div class='content'>", b"<a href='/x-4629.html'>", b"<script>",
    b"<!--", b"]]>", b"<![CDATA[", b"&", b"&#", b"&#xD800;", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf",
    b"<meta charset='windows-1258'>", b"<item>", b"</item>", b"<entry>", b"<link>", b"<pubDate>",
    b'<!DOCTYPE rss [<!ENTITY a "&b;">]>', b"<?xml version='1.0' encoding='bogus'?>",
    b"<script type='application/ld+json'>{", b"\"datePublished\": \"", b"\xc3", b"\xe1\xba",
]  # fmt: skip


@st.composite
def mutated_seed(draw: st.DrawFn) -> tuple[str, bytes]:
    """A fixture page or feed with a few cuts, repeats, insertions and byte flips."""
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = bytearray(SEEDS[name])
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["cut", "repeat", "insert", "flip", "truncate"]))
        i = draw(st.integers(0, len(data)))
        j = min(len(data), i + draw(st.integers(0, 400)))
        if op == "cut":
            del data[i:j]
        elif op == "repeat":
            data[i:i] = data[i:j] * draw(st.integers(1, 3))
        elif op == "insert":
            data[i:i] = draw(st.one_of(st.sampled_from(SNIPPETS), st.binary(max_size=16)))
        elif op == "flip" and i < len(data):
            data[i] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[i:]
    return name, bytes(data)


CONTENT_TYPES = [None, "text/html", "text/html; charset=windows-1258", "application/rss+xml",
                 "application/atom+xml; charset=utf-8", "text/html; charset=bogus"]  # fmt: skip


@pytest.mark.parametrize("size", SIZES)
def test_extraction_of_mutated_pages_raises_only_extract_error(size: str) -> None:
    fuzz(
        size,
        prop_extraction_of_mutated_pages_raises_only_extract_error,
        seed=mutated_seed(),
        content_type=st.sampled_from(CONTENT_TYPES),
    )


def prop_extraction_of_mutated_pages_raises_only_extract_error(
    seed: tuple[str, bytes], content_type: str | None
) -> None:
    name, raw = seed
    url = f"http://127.0.0.1:8080/{name}"
    for extract in (extract_listing, extract_article):
        try:
            result = extract(url, raw, content_type, None, tz=TZ, now=NOW)
        except ExtractError as exc:
            assert str(exc) and "\n" not in str(exc)
            continue
        for item in getattr(result, "items", []):
            assert item.url.startswith(("http://", "https://"))
            assert item.published_at is None or item.published_at <= NOW + timedelta(days=1)


# -- configuration on mutated YAML ------------------------------------------------------------
CONFIG = """\
settings:
  timezone: Asia/Ho_Chi_Minh
  interval: 15m
  timeout: 20s
  max_bytes: 5MB
  failure_alert_after: 3
topics:
  - id: regional-cooperation
    name: "Hợp tác, liên kết vùng"
    groups:
      cooperation: {"liên kết vùng": 3, "thỏa thuận hợp tác": 3}
      region: ["ĐBSCL", "TP.HCM", "Cần Thơ"]
    require: [cooperation, region]
    aliases: {"TP.HCM": ["TP. HCM", "TPHCM"]}
    exclude: ["hợp tác xã"]
    min_score: 3
channels:
  - id: team
    url: "json://127.0.0.1:9/hook?token=${HOOK_TOKEN:-abc}"
    mode: digest
    digest_every: 1h
sources:
  - id: cantho-portal
    name: "Cổng TTĐT TP. Cần Thơ"
    url: https://cantho.gov.vn/
    type: html
    interval: 10m
    items: {selector: ".ArticleItem", link: ".ArticleHeader a", date: ".PostDate"}
    article: {title: ".PostTitle", body: ".ArticleContent", remove: [".share"]}
    allow_hosts: [storage-vnportal.vnpt.vn]
    headers: {Accept-Language: vi}
"""
YAML_SNIPPETS = [
    ":", "- ", "  ", "\t", "{", "}", "[", "]", '"', "'", "&a", "*a", "!!python/object:os.system",
    "!!binary", "${MISSING}", "${X:-", "%", "@", "`", "|", ">", "? ", "---", "...", "~", "null",
    "10 minutes", "-1", "1e999", "0x10", "5XB", "yes", "id: cantho-portal", "<<: *a", "\ufeff",
]  # fmt: skip


@st.composite
def mutated_config(draw: st.DrawFn) -> str:
    lines = CONFIG.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "duplicate", "indent", "insert", "replace"]))
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            lines.append(draw(st.sampled_from(YAML_SNIPPETS)))
        elif op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = " " * draw(st.integers(0, 6)) + lines[i].lstrip()
        elif op == "insert":
            col = draw(st.integers(0, len(lines[i])))
            ins = draw(st.one_of(st.sampled_from(YAML_SNIPPETS), st.text(max_size=5)))
            lines[i] = lines[i][:col] + ins + lines[i][col:]
        else:
            key, sep, _ = lines[i].partition(":")
            value = draw(st.one_of(st.sampled_from(YAML_SNIPPETS), st.text(max_size=8)))
            lines[i] = f"{key}{sep} {value}" if sep else value
    return "\n".join(lines) + "\n"


def test_config_seed_is_valid() -> None:
    assert isinstance(parse_config(CONFIG, "sources.yaml", env={}), Config)


@pytest.mark.parametrize("size", SIZES)
def test_mutated_config_gives_a_located_error(size: str) -> None:
    fuzz(size, prop_mutated_config_gives_a_located_error, text=mutated_config())


def prop_mutated_config_gives_a_located_error(text: str) -> None:
    try:
        config = parse_config(text, "sources.yaml", base=Path("/srv/newsmon"), env={})
    except ConfigError as exc:
        for err in getattr(exc, "all", [exc]):
            message = str(err)
            assert err.file == "sources.yaml" and err.line is not None, message
            assert message.startswith(f"sources.yaml:{err.line}:"), message
            assert "\n" not in message and "Traceback" not in message
        return
    assert isinstance(config, Config)


# -- what the fuzzers found, kept as plain regression cases -------------------------------------
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcde", "bcdef", strict=True)
)


@pytest.mark.parametrize(
    "text",
    [
        "settings:\n  timezone: !!python/object:os.system\n",
        "settings:\n  interval: 2024-02-31\n",
        "\x1fsettings: {}\n",
        "a: &a [*a]\n",
        "[" * 5000,
        BOMB,
    ],
    ids=["python-tag", "impossible-date", "control-char", "recursive-alias", "deep", "alias-bomb"],
)
def test_found_config_inputs_give_located_errors(text: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "sources.yaml", env={})
    assert info.value.line is not None and "\n" not in str(info.value)


def test_found_url_with_trailing_space_is_idempotent() -> None:
    once = canonicalize("0 ?", "http://127.0.0.1:8080/tin-tuc/")
    assert once == "http://127.0.0.1:8080/tin-tuc/0%20" and canonicalize(once) == once


@pytest.mark.parametrize("byte", [b"\x80", b"\x00"])
def test_found_feed_with_garbage_encoding_is_an_extract_error(byte: bytes) -> None:
    raw = SEEDS["baophusa/rss/thoi-su.rss"].replace(b'encoding="U', b'encoding="' + byte, 1)
    with pytest.raises(ExtractError, match="not a readable feed"):
        extract_listing("http://127.0.0.1:8080/rss", raw, None, None, tz=TZ, now=NOW)
