"""A post's date as Jekyll reads it: the front matter's ``date`` (a string, with or without time and
offset) or the ``YYYY-MM-DD-`` prefix of the file name (:func:`post_date`, :func:`parse_date`).
"""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any


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
    except ValueError as exc:
        raise PostFormatError(path, f"invalid date {str(value)!r} in {source}: {exc}") from exc


def parse_date(value: object) -> datetime:
    """A front matter date as a timezone-aware datetime.

    Accepts a ``datetime`` or ``date``, ``YYYY-MM-DD`` with an optional time
    (``2020-12-25 00:00:00 +0000``, ``2024-01-05T09:30:00+09:00``, ``…Z``) or an RFC 2822 string
    (``Mon, 21 Nov 2022 14:09:50 GMT``). No offset means UTC; a date alone means midnight.

    :raises ValueError: impossible (``2021-02-30``) or unrecognised date.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, Date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    text = str(value).strip()
    match = _DATE_STRING.match(text)
    if match is None:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ValueError(
                "not a recognised date format (use YYYY-MM-DD HH:MM:SS +0900)"
            ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
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
