"""A synthetic blog of about 10,000 posts made by recombining paragraphs of the real posts.

Each synthetic post takes a real post's front matter shape (a real title with a number, that
post's tags and categories, a date in the same years but not after the day of the newest real
post: a later one could be in the future, which a reindex skips) and a body of paragraphs drawn
at random from the whole corpus. Its number of paragraphs is that of a random real post, capped at
:data:`MAX_PARAGRAPHS` so the corpus stays within a reindex of a few tens of minutes on two
cores (Janome runs at ~13 k characters/s per core here). The posts are written as Markdown files
into a folder outside the repository and indexed by the real reindex.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from search.posts.reader import Post

#: Paragraphs per synthetic post at most (real posts: median ~30, mean ~48).
MAX_PARAGRAPHS = 24
_ORDERED_MARKER = re.compile(r"^(\d+)([.)])")


@dataclass(frozen=True)
class SyntheticCorpus:
    folder: Path
    posts: int
    characters: int


def paragraphs_of(post: Post) -> list[str]:
    """The non-blank lines of a post's cleaned body text (its paragraphs, list items, headings)."""
    return [line for line in post.body.split("\n") if line.strip()]


def write_synthetic_corpus(posts: list[Post], folder: Path, count: int, seed: int = 10_000) -> SyntheticCorpus:
    """Write ``count`` synthetic posts into ``folder`` (created; must hold no other posts).

    :param posts: the real posts (:func:`search.posts.reader.load_posts`) whose paragraphs are reused.
    :returns: the folder, the number of posts and the characters of body text written.
    """
    rng = random.Random(seed)
    pool = [paragraph for post in posts for paragraph in paragraphs_of(post)]
    shapes = [post for post in posts if paragraphs_of(post)]
    newest = max((post.date for post in posts if post.date is not None), default=None)
    folder.mkdir(parents=True, exist_ok=True)
    characters = 0
    for number in range(count):
        shape = rng.choice(shapes)
        size = min(len(paragraphs_of(rng.choice(shapes))), MAX_PARAGRAPHS)
        body = "\n\n".join(_as_markdown_paragraph(rng.choice(pool)) for _ in range(size))
        characters += len(body)
        day = date(shape.date.year if shape.date else 2020, rng.randint(1, 12), rng.randint(1, 28))
        if newest is not None and day > newest.date():
            day = newest.date()
        front = {
            "title": f"{shape.title} ({number})",
            "date": f"{day.isoformat()} 09:00:00 +0900",
            "tags": list(shape.tags),
            "categories": list(shape.categories),
            "author": shape.author or None,
        }
        text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n\n" + body + "\n"
        (folder / f"post-{number:05d}.md").write_text(text, encoding="utf-8")
    return SyntheticCorpus(folder=folder, posts=count, characters=characters)


def _as_markdown_paragraph(text: str) -> str:
    """Cleaned text written back as one Markdown paragraph: a leading ``#``, ``>``, ``-``, digit
    list marker or indentation would change its meaning, so it is escaped."""
    text = text.strip()
    if text[:1] in "#>-+*=|":
        return "\\" + text
    return _ORDERED_MARKER.sub(r"\1\\\2", text)
