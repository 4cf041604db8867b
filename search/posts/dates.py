"""A post's date as Jekyll reads it: the front matter's ``date`` (a string, with or without time and
offset) or the ``YYYY-MM-DD-`` prefix of the file name (:func:`post_date`, :func:`parse_date`).

Jekyll hands a date string YAML did not read as a timestamp to Ruby's ``Time.parse``, which reads
many forms (``Jan 5, 2024``, ``05 Jan 2024``, ``5 January 2024 9:30pm``, ``Fri, 05 Jan 2024
10:00:00 JST``, ``5/1/2024``); python-dateutil's parser reads the same forms here, with Ruby's
order for numeric dates (``10/11/2012`` is 10 November: day first before a four-digit year).
"""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from dateutil import parser as dateutil_parser

from search.errors import PostFormatError


FILE_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-")

_DATE_STRING = re.compile(
    r"""^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})
    (?:(?:[Tt]|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d+))?)?)?
    \s*(?P<tz>[Zz]|UTC|GMT|JST|[+-]\d{1,2}(?::?\d{2})?)?$""",
    re.VERBOSE,
)


def post_date(path: Path, metadata: dict[str, Any]) -> datetime | None:
    value = metadata.get("date")
    if value is None or value == "":
        match = FILE_DATE.match(path.name)
        if not match:
            return None
        value, source = match.group(0)[:-1], "file name"
    else:
        source = "front matter"
    try:
        return parse_date(value)
    except (ValueError, OverflowError) as exc:
        raise PostFormatError(path, f"invalid date {str(value)!r} in {source}: {exc}", unreadable=True) from exc


def parse_date(value: object) -> datetime:
    """A front matter date as a timezone-aware datetime.

    Accepts a ``datetime`` or ``date``, ``YYYY-MM-DD`` with an optional time
    (``2020-12-25 00:00:00 +0000``, ``2024-01-05T09:30:00+09:00``, ``…Z``), and the other forms
    Ruby's ``Time.parse`` reads (see the module): ``Jan 5, 2024``, RFC 2822
    (``Mon, 21 Nov 2022 14:09:50 GMT``) … No offset means UTC; a date alone means midnight.
    The date must name its year, month and day (Ruby would take the missing ones from the day
    of the build, so the post's date would change from build to build).

    :raises ValueError: impossible (``2021-02-30``), incomplete or unrecognised date, or one whose
        instant is outside years 1–9999 in UTC (``0001-01-01 00:00 +1400``).
    """
    if isinstance(value, datetime):
        parsed = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, Date):
        parsed = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    else:
        text = str(value).strip()
        match = _DATE_STRING.match(text)
        parsed = _from_match(match) if match is not None else _parse_other(text)
    try:
        parsed.astimezone(timezone.utc)
        parsed.timestamp()
    except (OverflowError, ValueError, OSError):
        raise ValueError("out of range (its time in UTC is before year 1 or after year 9999)") from None
    return parsed


def _from_match(match: re.Match) -> datetime:
    part = match.groupdict()
    fraction = (part["f"] or "0")[:6].ljust(6, "0")
    return datetime(
        int(part["y"]),
        int(part["m"]),
        int(part["d"]),
        int(part["H"] or 0),
        int(part["M"] or 0),
        int(part["S"] or 0),
        int(fraction),
        tzinfo=_zone(part["tz"]),
    )


#: Zone abbreviations Ruby's ``Time.parse`` knows (its ``ZoneOffset`` table, the common part), in hours.
_ZONE_HOURS = {"UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "JST": 9, "KST": 9, "EST": -5, "EDT": -4, "CST": -6,
               "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "CET": 1, "CEST": 2, "BST": 1}
#: Numeric dates Ruby reads day first: ``d/m/yyyy`` (and with ``-`` or ``.``).
_DAY_FIRST = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b")
_UNRECOGNISED = "not a recognised date format (use YYYY-MM-DD HH:MM:SS +0900)"


def _zone_for(name: str | None, offset: int | None) -> timezone | None:
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    hours = _ZONE_HOURS.get((name or "").upper())
    return timezone(timedelta(hours=hours)) if hours is not None else None


def _parse_other(text: str) -> datetime:
    """``text`` read by python-dateutil as Ruby's ``Time.parse`` would; UTC when it names no zone
    (or one unknown to Ruby's table)."""
    if len(text) > 100 or not any(c.isdigit() for c in text):
        raise ValueError(_UNRECOGNISED)
    day_first = bool(_DAY_FIRST.match(text))
    parsed = []
    # Parsed twice with defaults differing in every field: a field the text leaves out differs.
    for default in (datetime(2000, 1, 1), datetime(2001, 2, 2, 1, 1, 1)):
        try:
            parsed.append(dateutil_parser.parse(text, default=default, dayfirst=day_first,
                                                yearfirst=not day_first, tzinfos=_zone_for))
        except (ValueError, OverflowError, TypeError):
            raise ValueError(_UNRECOGNISED) from None
    first, second = parsed
    if first.date() != second.date():
        raise ValueError("incomplete date: give its year, month and day")
    return first if first.tzinfo else first.replace(tzinfo=timezone.utc)


def _zone(text: str | None) -> timezone:
    if not text or text.upper() in ("Z", "UTC", "GMT"):
        return timezone.utc
    if text == "JST":
        return timezone(timedelta(hours=9))
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"bad time zone offset {text}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
