"""Time-zone identifiers as real calendars write them, mapped to IANA zones.

Calendars in the wild write ``/Europe/Stockholm`` (Lotus, old Evolution),
``/freeassociation.sourceforge.net/Tzfile/Europe/Stockholm`` (libical), Windows names such as
``W. Europe Standard Time`` (Outlook, Exchange) and even Windows display names such as
``(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna``. :func:`resolve_tzid` turns all of
them into a :class:`zoneinfo.ZoneInfo`; icalendar's own lookup (which carries the CLDR
windowsZones table) is tried first and the display names, which it does not know, come from the
small table below.
"""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UTC = ZoneInfo("UTC")

# Windows display names ("(UTC+01:00) …") of the zones Swedish partners are most likely to use,
# keyed by the city list without the offset (lower case). Windows standard names ("W. Europe
# Standard Time") are resolved by icalendar's CLDR table.
WINDOWS_DISPLAY_NAMES: dict[str, str] = {
    "amsterdam, berlin, bern, rome, stockholm, vienna": "Europe/Stockholm",
    "belgrade, bratislava, budapest, ljubljana, prague": "Europe/Budapest",
    "brussels, copenhagen, madrid, paris": "Europe/Paris",
    "sarajevo, skopje, warsaw, zagreb": "Europe/Warsaw",
    "west central africa": "Africa/Lagos",
    "dublin, edinburgh, lisbon, london": "Europe/London",
    "coordinated universal time": "UTC",
    "helsinki, kyiv, riga, sofia, tallinn, vilnius": "Europe/Helsinki",
    "helsinki, kiev, riga, sofia, tallinn, vilnius": "Europe/Helsinki",
    "athens, bucharest": "Europe/Bucharest",
    "chisinau": "Europe/Chisinau",
    "kaliningrad": "Europe/Kaliningrad",
    "moscow, st. petersburg": "Europe/Moscow",
    "moscow, st. petersburg, volgograd": "Europe/Moscow",
    "istanbul": "Europe/Istanbul",
    "minsk": "Europe/Minsk",
    "reykjavik": "Atlantic/Reykjavik",
    "monrovia, reykjavik": "Atlantic/Reykjavik",
    "azores": "Atlantic/Azores",
    "eastern time (us & canada)": "America/New_York",
    "central time (us & canada)": "America/Chicago",
    "mountain time (us & canada)": "America/Denver",
    "pacific time (us & canada)": "America/Los_Angeles",
    "atlantic time (canada)": "America/Halifax",
    "beijing, chongqing, hong kong, urumqi": "Asia/Shanghai",
    "osaka, sapporo, tokyo": "Asia/Tokyo",
    "chennai, kolkata, mumbai, new delhi": "Asia/Kolkata",
    "abu dhabi, muscat": "Asia/Dubai",
    "canberra, melbourne, sydney": "Australia/Sydney",
    "auckland, wellington": "Pacific/Auckland",
    "cairo": "Africa/Cairo",
    "jerusalem": "Asia/Jerusalem",
}

# A few Windows standard names, in case icalendar's table is not available.
WINDOWS_NAMES: dict[str, str] = {
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "E. Europe Standard Time": "Europe/Chisinau",
    "Russian Standard Time": "Europe/Moscow",
    "Turkey Standard Time": "Europe/Istanbul",
    "UTC": "UTC",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "Pacific Standard Time": "America/Los_Angeles",
    "China Standard Time": "Asia/Shanghai",
    "Tokyo Standard Time": "Asia/Tokyo",
    "India Standard Time": "Asia/Calcutta",
    "AUS Eastern Standard Time": "Australia/Sydney",
}

_DISPLAY = re.compile(r"^\(\s*(?:UTC|GMT)\s*(?:[+-]\d{1,2}:?\d{2})?\s*\)\s*(.+)$", re.IGNORECASE)


def resolve_tzid(tzid: str | None) -> ZoneInfo | None:
    """The IANA zone meant by ``tzid`` as a calendar wrote it; ``None`` if it is unknown."""
    if not tzid:
        return None
    raw = tzid.strip().strip('"').strip()
    if not raw:
        return None
    if raw.upper() in {"UTC", "GMT", "Z", "ETC/UTC", "ETC/GMT"}:
        return UTC
    match = _DISPLAY.match(raw)
    if match:
        name = WINDOWS_DISPLAY_NAMES.get(match.group(1).strip().lower())
        if name:
            return ZoneInfo(name)
        if match.group(1).strip().lower().startswith("coordinated universal"):
            return UTC
    for candidate in _candidates(raw):
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    found = _icalendar_lookup(raw)
    if found is not None:
        return found
    windows = WINDOWS_NAMES.get(raw)
    return ZoneInfo(windows) if windows else None


def _candidates(raw: str) -> list[str]:
    """``raw`` and, for prefixed ids (``/vendor/…/Europe/Stockholm``), its trailing Area/City."""
    out = [raw]
    if "/" in raw:
        parts = [p for p in raw.split("/") if p]
        for size in (3, 2, 1):
            if len(parts) >= size:
                out.append("/".join(parts[-size:]))
    return [c for c in out if not c.startswith("/") and ".." not in c]


def _icalendar_lookup(raw: str) -> ZoneInfo | None:
    try:
        from icalendar.timezone import tzp
    except ImportError:  # pragma: no cover - icalendar is a dependency
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            zone = tzp.timezone(raw)
        except Exception:
            return None
    if zone is None:
        return None
    key = getattr(zone, "key", None) or str(zone)
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_name(zone: tzinfo | None) -> str:
    """The IANA name of ``zone`` (``Europe/Stockholm`` when it has none)."""
    key = getattr(zone, "key", None)
    if key:
        return key
    if zone is not None and zone.utcoffset(None) is not None and str(zone) in {"UTC", "UTC+00:00"}:
        return "UTC"
    return "Europe/Stockholm"


def as_aware(value: date | datetime, default: tzinfo = STOCKHOLM) -> datetime:
    """``value`` as an aware datetime: floating times are taken as ``default`` (Stockholm)."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=default)
    if value.tzinfo is None:
        return value.replace(tzinfo=default)
    return value
