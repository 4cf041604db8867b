"""Dates as Japanese readers type them (web/dates.py), and the date range of the search page and API."""

from __future__ import annotations

import calendar
import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from web.dates import japanese_date, parse_reader_date

DATES = st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def written(d: date) -> list[str]:
    """Ways a reader writes the day ``d``."""
    y, m, day = d.year, d.month, d.day
    return [japanese_date(d), d.isoformat(), f"{y}/{m}/{day}", f"{y}/{m:02}/{day:02}", f"{y}.{m}.{day}",
            f"{y:04}{m:02}{day:02}", f"{y} 年 {m} 月 {day} 日", f"{y}年{m}月{day}", f"{y}ー{m:02}ー{day:02}",
            f"{y} {m} {day}", full_width(f"{y}/{m}/{day}"), full_width(japanese_date(d)), f"  {d.isoformat()}  "]


@given(DATES)
def test_every_way_of_writing_a_day_reads_as_that_day(d):
    for text in written(d):
        assert parse_reader_date(text) == d, text
        assert parse_reader_date(text, end=True) == d, text


@given(DATES)
def test_a_month_is_its_first_day_from_and_its_last_until(d):
    last = calendar.monthrange(d.year, d.month)[1]
    for text in (f"{d.year}年{d.month}月", f"{d.year}-{d.month:02}", f"{d.year}/{d.month}", full_width(f"{d.year}/{d.month}")):
        assert parse_reader_date(text) == date(d.year, d.month, 1), text
        assert parse_reader_date(text, end=True) == date(d.year, d.month, last), text
    assert parse_reader_date(f"{d.year}年") == date(d.year, 1, 1)
    assert parse_reader_date(str(d.year), end=True) == date(d.year, 12, 31)


@given(DATES)
def test_shown_as_japanese_text_reads_back(d):
    shown = japanese_date(d)
    assert shown == f"{d.year}年{d.month}月{d.day}日" and parse_reader_date(shown) == d


@pytest.mark.parametrize("text", ["", "  ", "昨日", "2024年2月30日", "2023/2/29", "2024-13-01", "2024年13月",
                                  "2024-", "2024年5-20", "2024/05-20", "2024-5-20日", "24/5/20", "20245200",
                                  "2024年5月20日午後", "2024年5月20日日", "0000-01-01"])
def test_what_is_not_a_day_is_none(text):
    assert parse_reader_date(text) is None


@given(st.text(max_size=20))
def test_any_text_is_a_date_or_none_never_an_error(text):
    result = parse_reader_date(text)
    assert result is None or isinstance(result, date)
    if result is not None:  # whatever was read, it was written with the year's digits
        assert str(result.year) in unicodedata.normalize("NFKC", text)


@pytest.mark.parametrize("typed, iso", [
    ({"from": "2024年2月", "to": "2024年2月"}, {"from": "2024-02-01", "to": "2024-02-29"}),
    ({"from": "２０２４/１/１"}, {"from": "2024-01-01"}),
    ({"to": "2024"}, {"to": "2024-12-31"}),
])
def test_the_api_reads_the_same_range_however_it_is_written(client, typed, iso):
    as_typed = client.get("/api/search", query_string={"q": "python", **typed}).get_json()
    as_iso = client.get("/api/search", query_string={"q": "python", **iso}).get_json()
    assert as_typed["filters"] == as_iso["filters"] == iso
    assert [h["id"] for h in as_typed["hits"]] == [h["id"] for h in as_iso["hits"]]
