"""The fixed query set of the latency benchmark, drawn from the real posts with a fixed seed.

Six kinds, as readers type them (:data:`KINDS`): a dictionary word, a compound of 2–3 nouns
written together, a quoted phrase of 2–4 adjacent words, the hiragana reading of a kanji word,
1–2 characters, and two words separated by a space. Drawn at run time from the posts (none of
their text is stored in the repository); the same posts give the same queries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from janome.tokenizer import Tokenizer

from search.posts.reader import Post

#: Queries per kind.
KINDS = {"word": 25, "compound": 20, "phrase": 20, "kana": 20, "short": 20, "two words": 20}


@dataclass(frozen=True)
class Query:
    kind: str
    text: str


def _is_kanji(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def _hiragana(katakana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in katakana)


def _content_noun(token) -> bool:
    pos = token.part_of_speech.split(",")
    return pos[0] == "名詞" and pos[1] in ("一般", "固有名詞", "サ変接続") and len(token.surface) >= 2


def draw_queries(posts: list[Post], seed: int = 4) -> list[Query]:
    """At least 100 queries (:data:`KINDS`), deterministic for the same posts and seed."""
    rng = random.Random(seed)
    tokenizer = Tokenizer()
    wanted = dict(KINDS)
    found: dict[str, list[str]] = {kind: [] for kind in KINDS}
    ordered = sorted(posts, key=lambda post: post.post_id)
    while any(len(found[k]) < n for k, n in wanted.items()):
        post = rng.choice(ordered)
        lines = [line for line in post.body.split("\n") if len(line) >= 20]
        if not lines:
            continue
        tokens = list(tokenizer.tokenize(rng.choice(lines)))
        for kind, make in _MAKERS.items():
            if len(found[kind]) < wanted[kind]:
                text = make(tokens, rng)
                if text and text not in found[kind]:
                    found[kind].append(text)
    return [Query(kind, text) for kind in KINDS for text in found[kind]]


def _word(tokens, rng) -> str | None:
    nouns = [t.surface for t in tokens if _content_noun(t)]
    return rng.choice(nouns) if nouns else None


def _compound(tokens, rng) -> str | None:
    runs, run = [], []
    for token in tokens + [None]:
        if token is not None and token.part_of_speech.startswith("名詞") and token.surface.strip():
            run.append(token.surface)
            continue
        if 2 <= len(run) <= 3 and len("".join(run)) >= 4:
            runs.append("".join(run))
        run = []
    return rng.choice(runs) if runs else None


def _phrase(tokens, rng) -> str | None:
    size = rng.randint(2, 4)
    starts = [i for i in range(len(tokens) - size) if _content_noun(tokens[i])]
    if not starts:
        return None
    i = rng.choice(starts)
    text = "".join(t.surface for t in tokens[i:i + size])
    return f'"{text}"' if '"' not in text and not any(c.isspace() for c in text) else None


def _kana(tokens, rng) -> str | None:
    kanji = [t for t in tokens if _content_noun(t) and all(_is_kanji(c) for c in t.surface)
             and t.reading not in ("*", "")]
    return _hiragana(rng.choice(kanji).reading) if kanji else None


def _short(tokens, rng) -> str | None:
    words = [t.surface for t in tokens if _content_noun(t) and all(_is_kanji(c) for c in t.surface)]
    if not words:
        return None
    word = rng.choice(words)
    size = rng.choice((1, 2))
    start = rng.randrange(0, max(1, len(word) - size + 1))
    return word[start:start + size]


def _two_words(tokens, rng) -> str | None:
    nouns = list(dict.fromkeys(t.surface for t in tokens if _content_noun(t)))
    if len(nouns) < 2:
        return None
    first, second = rng.sample(nouns, 2)
    return f"{first} {second}"


_MAKERS = {"word": _word, "compound": _compound, "phrase": _phrase, "kana": _kana,
           "short": _short, "two words": _two_words}
