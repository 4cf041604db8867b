"""A post's URL as Jekyll builds it: its ``permalink``, or the default ``/:categories/:year/:month/:day/:title.html``
(:func:`post_url`), under the site's base URL.

Every URL made here is a path on the site, under the base URL (an absolute ``http(s)`` permalink is
kept only when its host is the base URL's): search results are links readers follow, and a
permalink like ``javascript://x%0Aalert(1)`` or ``https://evil.example/phish`` must not become one.
:func:`permalink_problem` says why a permalink was not used, for the reindex to report.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from search.posts.dates import FILE_DATE


_PLACEHOLDER = re.compile(
    r":(categories|year|month|day|i_month|i_day|short_year|hour|minute|second|title|slug"
    r"|y_day|week|short_day|long_day|short_month|long_month|output_ext)\b"
)

#: Characters percent-encoded in URLs (a ``%`` that already starts an escape is left alone): white
#: space, C0/C1 controls, bidi formatting characters, delimiters, and the backslash (browsers read
#: ``/\\host`` as ``//host``).
_UNSAFE_IN_URL = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069#?\"<>\\^`{|}]"
                            r"|%(?![0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def permalink_problem(permalink: object, base_url: str) -> str | None:
    """Why :func:`post_url` does not use the front matter ``permalink`` (None: it does, or there is none).

    Not used: a value that is not text; a URL with a scheme (``javascript:``, ``data:``,
    ``mailto:``…) other than ``http(s)`` on the base URL's host; Liquid (``{{ … }}``), which is
    left out silently as before (Jekyll evaluates it, this cannot).
    """
    if permalink is None or permalink == "":
        return None
    if not isinstance(permalink, str):
        return f"permalink is {type(permalink).__name__}, not text: the post is linked by its default URL"
    if "{{" in permalink or "{%" in permalink:
        return None
    text = _strip_for_scheme(permalink)
    if not _SCHEME.match(text):
        return None
    if _same_host(text, base_url):
        return None
    shown = permalink.encode("unicode_escape").decode("ascii")
    if len(shown) > 80:
        shown = shown[:77] + "..."
    where = f"the site {urlsplit(base_url).netloc}" if urlsplit(base_url).netloc else "this site (no --base-url)"
    return f"permalink {shown!r} is not a path on {where}: the post is linked by its default URL"


def _strip_for_scheme(text: str) -> str:
    """``text`` as a browser reads its scheme: leading C0 controls and spaces gone, tabs and
    line breaks removed anywhere (WHATWG URL)."""
    return re.sub(r"[\t\n\r]", "", text).lstrip("".join(map(chr, range(0x21))))


def _same_host(url: str, base_url: str) -> bool:
    """Whether ``url`` is ``http(s)`` on the host of ``base_url`` (which must name one)."""
    try:
        target, base = urlsplit(url), urlsplit(base_url)
        return (target.scheme.lower() in ("http", "https") and bool(base.hostname)
                and target.hostname == base.hostname and target.port == base.port
                and not target.username and not target.password)
    except ValueError:  # a bad port, brackets
        return False


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
      (``{{ … }}``) cannot be evaluated here and is ignored; a full ``http(s)://`` URL is kept
      when it is on the base URL's host; any other URL with a scheme is ignored
      (:func:`permalink_problem` says why).
    - A ``YYYY-MM-DD-slug`` file: ``/:categories/:year/:month/:day/:title.html`` with the
      categories lowercased, de-duplicated and joined with ``/`` (Jekyll's ``UrlDrop``).
    - Any other file: ``/`` + ``post_id`` without its suffix + ``/``.

    Non-ASCII characters are kept as they are; spaces and URL delimiters become ``%XX``.

    :param base_url: prepended without doubling the ``/`` (``https://example.com/blog``).
    :returns: an absolute path, or a full URL when ``base_url`` has a scheme (or a permalink
        on its host: that URL, with unsafe characters percent-encoded).
    """
    if isinstance(permalink, str) and permalink and "{{" not in permalink and "{%" not in permalink:
        if _SCHEME.match(_strip_for_scheme(permalink)):
            if permalink_problem(permalink, base_url) is None:
                return _UNSAFE_IN_URL.sub(_percent, permalink.strip())
            permalink = None
    if isinstance(permalink, str) and permalink and "{{" not in permalink and "{%" not in permalink:
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
    path = _UNSAFE_IN_URL.sub(_percent, path)
    return base_url.rstrip("/") + path


#: Jekyll's permalink style names (``permalink: pretty`` in ``_config.yml``) and their patterns.
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}


def site_permalink(config: dict) -> str | None:
    """The posts' permalink pattern a site's ``_config.yml`` sets (``permalink:``, a style name
    or a pattern), or None for Jekyll's default (``date``). Source: Jekyll's Permalinks docs."""
    value = config.get("permalink")
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return PERMALINK_STYLES.get(value, value if value.startswith("/") or ":" in value else None)


def _percent(match: re.Match) -> str:
    return "".join(f"%{b:02X}" for b in match.group(0).encode("utf-8", "surrogatepass"))


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
            y_day=date.strftime("%j"),
            week=date.strftime("%V"),
            short_day=date.strftime("%a"),
            short_month=date.strftime("%b"),
            long_month=date.strftime("%B"),
            long_day=date.strftime("%A"),
        )
    return values
