"""The variant groups (``groups.tsv``) and the posts written from them.

``groups.tsv`` holds one group per line, tab-separated, ``#`` lines are comments::

    id  kind  positives  negatives  sentence  source

* ``kind``: 1–10, the kinds of issue 17 (:data:`KINDS`).
* ``positives``: spellings of one word, `` | ``-separated. A spelling prefixed ``post:`` is only
  written in posts (furigana markup, an HTML character reference), one prefixed ``query:`` is
  only typed as a query (romaji): the others are both.
* ``negatives``: other words that a sloppy rule would take for this one (homophones with
  other kanji, near spellings), `` | ``-separated; each is written in a post and typed as a query.
* ``sentence``: the sentence a post writes the spelling in, ``{}`` standing for it; empty, or ``n:``/``adv:``/``v:``/``na:``/``t:``/``e:``
  for the default sentences of that frame (:data:`FRAMES`; empty is ``n:``).
  A second sentence after `` || `` is the one the negatives are written in.
* ``source``: the public reference the group comes from.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from pathlib import Path

GROUPS_FILE = Path(__file__).with_name("groups.tsv")

#: Issue 17's kinds of spelling variation, by number.
KINDS = {
    1: "okurigana",
    2: "kanji/kana",
    3: "katakana loanwords",
    4: "middle dot, space",
    5: "numbers, counters",
    6: "tech names with symbols",
    7: "emoji",
    8: "romaji",
    9: "furigana",
    10: "English/katakana",
}

#: Default sentences by frame (part of speech the spelling fills), picked per group by its id.
FRAMES = {
    "n": [
        "今日は{}について調べたことをまとめておきます。",
        "この記事では{}を題材に手順を説明します。",
        "{}に関するメモを残しておきます。",
        "前回に続いて{}を取り上げます。",
        "チームで{}が話題になったので整理しました。",
        "先週から{}のことで悩んでいました。",
    ],
    "adv": [
        "{}試してみる価値はありそうです。",
        "設定を見直したら{}動くようになりました。",
        "{}このやり方で困ることはありません。",
        "手順を変えたところ{}うまくいきました。",
    ],
    "v": [
        "ここで{}ことにしました。",
        "次の手順で{}ことが大切です。",
        "結局は{}ことになりそうです。",
    ],
    "t": [
        "業務で{}を使うことになったので、最初に調べたことを書きます。",
        "{}で書いた小さなツールを公開しました。",
        "久しぶりに{}の新しい機能を試してみました。",
    ],
    "e": [
        "週末は友人と出かけました{}また行きたいです。",
        "{} 今日の作業はここまでにします。",
        "ようやく完成しました {}",
        "この写真がお気に入りです（{}）",
    ],
    "na": [
        "画面が{}な仕上がりになりました。",
        "結果として{}な形でまとまりました。",
        "思っていたより{}な作りでした。",
    ],
}
#: Kinds whose snippets issue 17 constrains: a tech name marked whole, an emoji never cut, a
#: furigana reading never inline.
SNIPPET_KINDS = frozenset({6, 7, 9})
_RUBY = (re.compile(r"<ruby>(.+?)<rt>(.+?)</rt></ruby>"), re.compile(r"\{(.+?)\|(.+?)\}"))
_MARK = re.compile(r"</?mark>")
SEPARATOR = " | "
POST_ONLY = "post:"
QUERY_ONLY = "query:"


@dataclass(frozen=True)
class Spelling:
    """One spelling of a group: its text, where it is used, and whether it is the word (positive)."""

    text: str
    positive: bool
    in_posts: bool = True
    as_query: bool = True


@dataclass(frozen=True)
class Group:
    """One word's spellings (positives) and the other words it must not be taken for (negatives)."""

    group_id: str
    kind: int
    spellings: tuple[Spelling, ...]
    sentence: str
    negative_sentence: str
    source: str

    @property
    def positives(self) -> list[Spelling]:
        return [s for s in self.spellings if s.positive]

    @property
    def negatives(self) -> list[Spelling]:
        return [s for s in self.spellings if not s.positive]

    def snippet_fault(self, spelling: Spelling, snippet_html: str) -> str | None:
        """Why the snippet of ``spelling``'s post shows it wrongly, or None.

        The spelling as a reader sees it (a ruby's base, an HTML character reference decoded) must
        stand in the snippet, each of its space-separated parts unbroken by a highlight tag (two
        adjacent highlights count as one); a furigana reading must not follow its base inline, nor
        the ``{base|reading}`` markup show.
        """
        raw = html.unescape(snippet_html).replace("</mark><mark>", "")
        plain = _MARK.sub("", raw)
        visible = html.unescape(spelling.text)
        for pattern in _RUBY:
            ruby = pattern.fullmatch(spelling.text)
            if ruby:
                visible, reading = ruby.groups()
                if visible + reading in plain or "{" + visible in plain or visible + "|" in plain:
                    return "reading inline"
        if visible not in plain:
            return "spelling not shown"
        if any(part not in raw for part in visible.split()):
            return "highlight cuts it"
        return None

    def post_text(self, spelling: Spelling) -> str:
        """The sentence the post of ``spelling`` carries."""
        return (self.sentence if spelling.positive else self.negative_sentence).replace("{}", spelling.text)


def _spelling(raw: str, positive: bool) -> Spelling:
    if raw.startswith(POST_ONLY):
        return Spelling(raw[len(POST_ONLY):], positive, as_query=False)
    if raw.startswith(QUERY_ONLY):
        return Spelling(raw[len(QUERY_ONLY):], positive, in_posts=False)
    return Spelling(raw, positive)


def _frame_sentence(group_id: str, frame: str) -> str:
    choices = FRAMES[frame]
    return choices[int(hashlib.sha256(group_id.encode()).hexdigest(), 16) % len(choices)]


def parse_line(line: str, number: int) -> Group:
    """One ``groups.tsv`` line as a :class:`Group`; ``ValueError`` names the line when it is malformed."""
    cells = line.rstrip("\n").split("\t")
    if len(cells) != 6:
        raise ValueError(f"groups.tsv line {number}: {len(cells)} columns, expected 6")
    group_id, kind, positives, negatives, sentence, source = cells
    spellings = [_spelling(s, True) for s in positives.split(SEPARATOR) if s]
    spellings += [_spelling(s, False) for s in negatives.split(SEPARATOR) if s]
    sentence, _, negative_sentence = sentence.partition(" || ")
    if sentence in ("",) or sentence.rstrip(":") in FRAMES:
        sentence = _frame_sentence(group_id, sentence.rstrip(":") or "n")
    if "{}" not in sentence or (negative_sentence and "{}" not in negative_sentence):
        raise ValueError(f"groups.tsv line {number}: the sentence has no {{}}")
    return Group(group_id, int(kind), tuple(spellings), sentence, negative_sentence or sentence, source)


def load_groups(path: Path = GROUPS_FILE) -> list[Group]:
    """Every group of ``path`` in file order."""
    groups = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            groups.append(parse_line(line, number))
    return groups


#: Filler posts: everyday blog sentences without any group's word, so that term statistics are
#: those of a small blog rather than of a list of spellings.
FILLER = [
    "朝から雨が降っていたので、家で本を読んで過ごしました。",
    "新しい机を買ったので作業部屋の配置を変えました。",
    "週末は近くの川沿いを歩いて季節の花を見てきました。",
    "最近はパンを焼くのが楽しみで、毎朝早起きしています。",
    "友人の引っ越しを手伝ったあと、みんなで夕飯を食べました。",
    "古い写真を整理していたら懐かしい旅行の記録が出てきました。",
    "図書館で借りた小説を読み終えたので感想を書きます。",
    "駅前に新しい店ができたので、帰りに寄ってみました。",
    "庭の植木に水をやるのが日課になっています。",
    "今月は仕事が立て込んでいて更新が遅れました。",
    "久しぶりに実家へ帰り、両親と話をしました。",
    "休みの日に部屋の大掃除をして、不要な物を手放しました。",
    "電車の中で聞いているラジオ番組の話をします。",
    "夜は冷えるので厚手の毛布を出しました。",
    "料理の味付けを少し変えてみたら評判が良かったです。",
]
