"""Propose variant groups from the corpus with Sudachi's normalized forms (a one-off aid, not the runner).

``python -m bench.variants.harvest > candidates.jsonl`` tokenizes ``../shared/corpus`` with
SudachiPy + SudachiDict-core (split mode C; the ``bench`` extra of ``pyproject.toml``) and groups
the surfaces that share one ``normalized_form`` (Sudachi's 表記正規化: 申し込み/申込み/申込,
インタフェース/インターフェース, 綺麗/きれい/キレイ, コード/code) when at least two of them occur
in the posts. Each candidate gets its kind (okurigana, kana/kanji, loanword, English/katakana) from
the shape of its spellings, and negatives from the same corpus: nouns that read the same
(``reading_form``) but normalize to another word (homophones: 以外/意外), and katakana words one
kana apart that are other words (フィーチャー/フューチャー). The candidates were then read by hand
into ``groups.json`` (wrong merges such as コラム/カラム dropped, sentences written).
"""

from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
KANA = re.compile(r"^[\u3041-\u309f\u30a0-\u30ffー]+$")
KATAKANA = re.compile(r"^[\u30a0-\u30ffー]+$")
KANJI = re.compile(r"[\u4e00-\u9fff々]")
ASCII_WORD = re.compile(r"^[a-z]+$")
#: Kana differences that are spellings of one word (Groonga's unify_* kinds), not other words.
SAME_WORD_KANA = [set("ァア"), set("ィイ"), set("ゥウ"), set("ェエ"), set("ォオ"), set("ヴブ"), set("ャヤ"),
                  set("ュユ"), set("ョヨ"), set("ッツ"), set("ヶケカヵ")]
CONTENT = ("名詞", "形状詞", "副詞")


def kind_of(spellings: list[str]) -> int | None:
    """1 okurigana, 2 kanji/kana, 3 katakana loanword spellings, 10 English and its katakana."""
    if any(ASCII_WORD.match(s) for s in spellings):
        return 10 if any(KATAKANA.match(s) for s in spellings) else None
    if all(KATAKANA.match(s) for s in spellings):
        return 3
    with_kanji = [s for s in spellings if KANJI.search(s)]
    if len(with_kanji) == len(spellings) and len({"".join(KANJI.findall(s)) for s in spellings}) == 1:
        return 1
    if with_kanji and any(KANA.match(s) for s in spellings):
        return 2
    if len(with_kanji) == len(spellings):
        return 2  # kanji variants (綺麗/奇麗)
    return None


def one_kana_apart(a: str, b: str) -> bool:
    """Same length, one position differs, and not by a difference that spells one word."""
    if len(a) != len(b) or a == b:
        return False
    diffs = [(x, y) for x, y in zip(a, b) if x != y]
    return len(diffs) == 1 and not any({*diffs[0]} <= same for same in SAME_WORD_KANA) and "ー" not in diffs[0]


def normalized(tok, mode, text: str) -> str:
    """Sudachi's normalized form of ``text`` (its morphemes' forms joined)."""
    return "".join(m.normalized_form() for m in tok.tokenize(text, mode))


def check(tok, mode) -> int:
    """Print the groups whose source says ``sudachi`` but whose positives Sudachi does not unify,
    or whose negatives it unifies with them; return how many."""
    from bench.variants.data import load_groups

    wrong = 0
    for group in load_groups():
        if group.source == "sudachi-homophones":
            word = group.positives[0].text
            reading = "".join(m.reading_form() for m in tok.tokenize(word, mode))
            others = [s.text for s in group.negatives
                      if "".join(m.reading_form() for m in tok.tokenize(s.text, mode)) != reading
                      or normalized(tok, mode, s.text) == normalized(tok, mode, word)]
            if others:
                wrong += 1
                print(group.group_id, word, reading, "not homophones:", others)
            continue
        if "sudachi" not in group.source:
            continue
        forms = {s.text: normalized(tok, mode, s.text) for s in group.positives}
        clash = {normalized(tok, mode, s.text) for s in group.negatives} & set(forms.values())
        if len(set(forms.values())) > 1 or clash:
            wrong += 1
            print(group.group_id, forms, "negative unified" if clash else "")
    return wrong


def main() -> None:
    from sudachipy import dictionary, tokenizer

    tok = dictionary.Dictionary(dict="core").tokenizer()
    mode = tokenizer.Tokenizer.SplitMode.C
    if "--check" in sys.argv[1:]:
        sys.exit(1 if check(tok, mode) else 0)
    surfaces: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    reading: dict[str, str] = {}
    pos_of: dict[str, str] = {}
    for path in sorted(p for p in CORPUS.rglob("*.md") if "_licenses" not in p.parts):
        text = re.sub(r"```.*?```", " ", path.read_text(encoding="utf-8", errors="replace"), flags=re.S)
        for line in text.splitlines():
            if not line.strip() or len(line.encode()) > 40_000:
                continue
            for m in tok.tokenize(line.strip(), mode):
                pos = m.part_of_speech()
                if pos[0] not in CONTENT or pos[1] in ("数詞", "固有名詞", "助数詞可能"):
                    continue
                surface, normal = m.surface(), m.normalized_form()
                if len(surface) < 2 or (surface.isascii() and not ASCII_WORD.match(surface)):
                    continue
                surfaces[normal][surface] += 1
                reading.setdefault(normal, m.reading_form())
                pos_of.setdefault(normal, pos[0])
    by_reading = collections.defaultdict(set)
    for normal, r in reading.items():
        if pos_of[normal] == "名詞" and KANJI.search(normal):
            by_reading[r].add(normal)
    katakana_words = [n for n in surfaces if KATAKANA.match(n) and sum(surfaces[n].values()) >= 3]
    for normal, counts in sorted(surfaces.items(), key=lambda kv: -min(kv[1].values())):
        spellings = [s for s, n in counts.most_common() if n >= 2]
        if len(spellings) < 2:
            continue
        kind = kind_of(spellings)
        if kind is None:
            continue
        negatives = sorted(w for w in by_reading.get(reading[normal], ()) if w != normal and w not in spellings)
        negatives += [w for w in katakana_words if w != normal and w not in spellings
                      and any(one_kana_apart(w, s) for s in spellings if KATAKANA.match(s))]
        print(json.dumps({"kind": kind, "word": normal, "positives": spellings, "negatives": negatives[:4],
                          "pos": pos_of[normal], "reading": reading[normal],
                          "counts": {s: counts[s] for s in spellings}}, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
