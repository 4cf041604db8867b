"""Dates as a Japanese reader writes and reads them: ``2024年5月20日``.

The date range of the search page is two text boxes, not ``<input type="date">``: a browser's
date picker follows the browser's own locale, not the page's, so a Japanese blog read in an
English Chrome asks for ``mm/dd/yyyy``. A reader types a date the way it is written in Japanese
or in ISO 8601, and the page shows it back in Japanese form:

=========================================  ==================================
typed (after NFKC, so full-width digits)   read as
=========================================  ==================================
``2024年5月20日``, ``2024-05-20``,          2024-05-20
``2024/5/20``, ``2024.5.20``, ``20240520``
``2024年5月``, ``2024-05``, ``2024/5``      May 2024: from its first day, to its last
``2024年``, ``2024``                        2024: from 1 January, to 31 December
=========================================  ==================================

Spaces beside 年月日 are ignored (``2024 年 5 月 20 日``); between numbers (``2024 5 20``) and a
Japanese input mode's ``ー`` or ``−`` (``2024ー05ー20``) they separate like ``-``. Era names
(令和6年) are not read.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date

_NUMBERS = re.compile(r"(\d{4})(?:年|[-/.])?(?:(\d{1,2})(?:月|[-/.])?(?:(\d{1,2})日?)?)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
#: What a Japanese input mode types for the hyphen key (ー, －→- by NFKC), and other dashes.
_DASHES = re.compile(r"[ー−‐‑–—―]")


def parse_reader_date(text: str, *, end: bool = False) -> date | None:
    """The date a reader typed, or None when ``text`` is not one of the forms above.

    :param text: what the reader typed (``2024年5月20日``, ``２０２４／５／２０``, ``2024-05``…).
    :param end: for a year or a month without a day, its last day (an "until" date) instead of
        its first (a "from" date).
    :returns: the date; None for an empty text, another form, or a day that does not exist
        (``2024年2月30日``).
    """
    text = unicodedata.normalize("NFKC", text or "").strip()
    text = _DASHES.sub("-", re.sub(r"(?<=\d)\s+(?=\d)", "-", text))
    text = re.sub(r"\s+", "", text)
    if not text:
        return None
    match = _COMPACT.fullmatch(text) or _NUMBERS.fullmatch(text)
    if match is None or not _well_formed(text, match):
        return None
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    try:
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        return date(year, month, day)
    except ValueError:  # month 13, day 30 of February, year 0
        return None


def _well_formed(text: str, match: re.Match) -> bool:
    """One separator style per date: ``2024年5月20日`` or ``2024-5-20``, not ``2024年5-20`` or
    ``2024-`` (a trailing separator); ``2024年5月20`` (日 left out) is read."""
    if _COMPACT.fullmatch(text):
        return True
    separators = re.sub(r"\d", "", text)
    if not separators:
        return True
    if "年" in separators or "月" in separators or "日" in separators:
        parts = sum(1 for group in match.groups() if group)
        return separators == "年月日"[:parts] or (parts == 3 and separators == "年月")  # 日 left out
    return len(set(separators)) == 1 and len(separators) == sum(1 for g in match.groups() if g) - 1


def japanese_date(value: date) -> str:
    """``2024年5月20日``: a date as Japanese text writes it (no leading zeros)."""
    return f"{value.year}年{value.month}月{value.day}日"
