"""Parsing RSS 0.9x/1.0/2.0 and Atom documents into plain entries, and the keys that
deduplicate them (GUID, normalised URL, content hash)."""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from xml.parsers import expat

import feedparser

from samverka.core.sanitise import clean_html

MAX_SUMMARY = 20_000
# C1 control characters: what Windows-1252 punctuation becomes when a feed declares ISO-8859-1.
_C1 = re.compile("[\x80-\x9f]")


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no ``utm_*`` parameters, no trailing slash."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_")
    ]
    path = parts.path.rstrip("/")
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query, doseq=True), "")
    )


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text or "")).strip()


def content_hash(title: str, summary: str) -> str:
    """A hash of an entry's visible text (whitespace and markup ignored)."""
    text = _plain(title).lower() + "\n" + _plain(summary).lower()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fix_c1(text: str) -> str:
    if not text or not _C1.search(text):
        return text
    try:
        return text.encode("latin-1").decode("cp1252")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return _C1.sub("", text)


@dataclass
class Entry:
    guid: str
    url: str
    title: str
    summary: str
    published: datetime | None
    normalised_url: str = field(init=False)
    content_hash: str = field(init=False)

    def __post_init__(self) -> None:
        self.normalised_url = normalise_url(self.url)
        self.content_hash = content_hash(self.title, self.summary)


@dataclass
class ParsedFeed:
    title: str = ""
    entries: list[Entry] = field(default_factory=list)
    #: Set when the document is not a readable feed (broken XML and no entries).
    error: str = ""
    #: feedparser's complaint when it recovered entries from a malformed document.
    warning: str = ""


def _published(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError):
                continue
    return None


def _summary(entry: Any) -> str:
    contents = entry.get("content") or []
    text = entry.get("summary") or (contents[0].get("value", "") if contents else "")
    return clean_html(_fix_c1(text)[:MAX_SUMMARY])


class _Verdict(Exception):
    def __init__(self, declares: bool) -> None:
        self.declares = declares


def _declares_entities(content: bytes) -> bool:
    """Whether the document's prologue declares an entity (what a billion-laughs or external
    entity attack needs). Only the prologue is read: parsing stops at the first element, and
    expat reads the encoding from the BOM or the XML declaration as feedparser's parser does.
    A DOCTYPE without declarations (RSS 0.91's external DTD, never fetched) is fine."""

    def verdict(declares: bool) -> Any:
        def handler(*args: Any) -> None:
            raise _Verdict(declares)

        return handler

    parser = expat.ParserCreate()
    parser.EntityDeclHandler = verdict(True)
    parser.StartElementHandler = verdict(False)
    try:
        parser.Parse(content, True)
    except _Verdict as result:
        return result.declares
    except expat.ExpatError:
        # Not XML as it stands (feedparser's loose parser expands no entities), or an encoding
        # expat cannot read but feedparser converts: then a declaration in plain bytes counts.
        return b"<!entity" in content.lower()
    return False


def parse(content: bytes, *, content_type: str = "") -> ParsedFeed:
    """Parse a feed document. Never raises for bad input: a document without entries that
    feedparser could not read gives ``error``."""
    headers = {"content-type": content_type} if content_type else {}
    # Let the XML declaration decide the encoding unless the server names one.
    if content_type and "charset" not in content_type.lower():
        headers = {}
    if _declares_entities(content):
        return ParsedFeed(title="", error="the feed declares XML entities, which are not accepted")
    parsed = feedparser.parse(content, response_headers=headers, sanitize_html=False)
    feed = ParsedFeed(title=_fix_c1(parsed.feed.get("title", "")))
    problem = ""
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        problem = f"{type(exc).__name__}: {exc}" if exc else "malformed feed"
    for raw in parsed.entries:
        title = _plain(_fix_c1(raw.get("title", "")))[:500]
        summary = _summary(raw)
        url = (raw.get("link") or "").strip()[:1000]
        if not url.lower().startswith(("http://", "https://")):
            url = ""
        guid = (raw.get("id") or raw.get("guid") or "").strip()[:500]
        if not (title or summary or url):
            continue
        feed.entries.append(
            Entry(
                guid=guid,
                url=url,
                title=title or _plain(summary)[:120] or url,
                summary=summary,
                published=_published(raw),
            )
        )
    if not feed.entries and (problem or not parsed.get("version")):
        feed.error = (
            f"not a readable RSS or Atom feed ({problem})" if problem else "not an RSS or Atom feed"
        )
    elif problem:
        feed.warning = problem
    return feed
