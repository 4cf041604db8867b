"""A post's URL as Jekyll builds it: its ``permalink``, or the default ``/:categories/:year/:month/:day/:title.html``
(:func:`post_url`), under the site's base URL.
"""

from __future__ import annotations

import re
from datetime import datetime

from search.posts.dates import FILE_DATE


_PLACEHOLDER = re.compile(
    r":(categories|year|month|day|i_month|i_day|short_year|hour|minute|second|title|slug"
    r"|output_ext)\b"
)

#: Characters percent-encoded in URLs (a ``%`` that already starts an escape is left alone).
_UNSAFE_IN_URL = re.compile(r"[\s#?\"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})")


def post_url(
    post_id: str,
    date: datetime | None,
    categories: tuple[str, ...] | list[str],
    permalink: str | None,
    base_url: str,
) -> str:
    """The post's URL, the way Jekyll builds it by default.

    - ``permalink`` from front matter wins; ``:year``, ``:month``, ``:day``, ``:title``,
      ``:categories`` … in it are filled in when a date is known; a permalink holding Liquid
      (``{{ … }}``) cannot be evaluated here and is ignored; a full ``http(s)://`` URL is kept.
    - A ``YYYY-MM-DD-slug`` file: ``/:categories/:year/:month/:day/:title.html`` with the
      categories lowercased, de-duplicated and joined with ``/`` (Jekyll's ``UrlDrop``).
    - Any other file: ``/`` + ``post_id`` without its suffix + ``/``.

    Non-ASCII characters are kept as they are; spaces and URL delimiters become ``%XX``.

    :param base_url: prepended without doubling the ``/`` (``https://example.com/blog``).
    :returns: an absolute path, or a full URL when ``base_url`` has a scheme.
    """
    if permalink and "{{" not in permalink and "{%" not in permalink:
        if re.match(r"^[a-z][a-z0-9+.-]*://", permalink, re.IGNORECASE):
            return permalink
        values = _placeholder_values(post_id, date, categories)
        path = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), permalink)
    else:
        stem, _, _ = post_id.rpartition(".")
        name = stem.rpartition("/")[2]
        if date is not None and FILE_DATE.match(name):
            values = _placeholder_values(post_id, date, categories)
            path = "/{categories}/{year}/{month}/{day}/{title}.html".format(**values)
        else:
            path = f"/{stem or post_id}/"
    path = re.sub(r"/{2,}", "/", "/" + path)
    path = _UNSAFE_IN_URL.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode()), path)
    return base_url.rstrip("/") + path


def _placeholder_values(
    post_id: str, date: datetime | None, categories: tuple[str, ...] | list[str]
) -> dict[str, str]:
    name = post_id.rpartition("/")[2].rpartition(".")[0] or post_id
    slug = FILE_DATE.sub("", name)
    values = {
        "categories": "/".join(dict.fromkeys(c.lower() for c in categories)),
        "title": slug,
        "slug": slug,
        "output_ext": ".html",
    }
    if date is not None:
        values.update(
            year=f"{date.year:04d}",
            month=f"{date.month:02d}",
            day=f"{date.day:02d}",
            i_month=str(date.month),
            i_day=str(date.day),
            short_year=f"{date.year % 100:02d}",
            hour=f"{date.hour:02d}",
            minute=f"{date.minute:02d}",
            second=f"{date.second:02d}",
        )
    return values
