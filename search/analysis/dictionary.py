"""User dictionary: words Janome's 2007 IPADIC gets wrong, the blog's own tags, the owner's words.

A reindex writes one Janome user dictionary (``userdic.csv``, Janome's "simpledic" format:
``surface,カスタム名詞,reading``) into the new index generation, made of

1. the vocabulary shipped in ``search/data/userdic.txt`` (クラウド, プロキシ, 生成AI, …);
2. every tag and category of the posts that Janome would cut into several tokens (so 技術動向
   stays one word), automatically;
3. the site owner's own word list, if given (same format as the shipped file: one word per line,
   optionally ``word,READING``; ``#`` starts a comment).

Queries against that generation are analyzed with the same dictionary, so index and query always
segment alike. A word from the user dictionary is indexed whole *and* as the pieces the base
dictionary would have cut it into, at the same position (:func:`search.analysis.morphemes.morphemes`), so
``生成AI`` finds the compound and ``AI`` still finds it too.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path
from typing import Iterable

from search.errors import SearchError
from search.analysis.normalize import normalize_with_offsets

#: The vocabulary shipped with kensaku.
SHIPPED_WORDS = Path(__file__).with_name("data") / "userdic.txt"
#: File name of the compiled user dictionary inside an index generation.
DICTIONARY_FILE = "userdic.csv"
#: Janome part of speech given to user-dictionary words.
USER_POS = "カスタム名詞"
#: Longest word, in characters, taken into the dictionary.
MAX_WORD_CHARS = 40


def read_word_list(path: Path) -> list[tuple[str, str]]:
    """``(word, reading)`` pairs from a word-list file (reading ``""`` when not given); lines that
    are not ``word`` or ``word,READING`` are left out (:func:`word_list_problems` names them).

    :raises SearchError: the file cannot be read as UTF-8 text (the message names the file).
    """
    return _parse_word_list(path)[0]


def word_list_problems(path: Path) -> list[str]:
    """``"FILE:LINE: why: line skipped"`` for each line of a word list that :func:`read_word_list`
    leaves out (more fields than ``word,READING``, no word before the comma).

    :raises SearchError: the file cannot be read as UTF-8 text (the message names the file).
    """
    return [f"{path}:{number}: {why}: line skipped" for number, why in _parse_word_list(path)[1]]


def _parse_word_list(path: Path) -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """The entries of a word list, and ``(line number, why)`` of each line left out."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SearchError(f"Cannot read the user dictionary {path}: {exc}") from exc
    entries, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [part.strip() for part in line.split(",")]
        if len(fields) > 2:
            problems.append((number, f"{len(fields)} fields where 'word' or 'word,READING' is expected"))
        elif not fields[0]:
            problems.append((number, "no word before the comma"))
        else:
            entries.append((fields[0], fields[1] if len(fields) == 2 else ""))
    return entries, problems


def _is_candidate(word: str) -> bool:
    word = word.strip()
    if not 2 <= len(word) <= MAX_WORD_CHARS or any(c.isspace() or c == "," for c in word):
        return False
    if word.isascii():
        return False  # Janome keeps ASCII words whole already
    return not all(unicodedata.category(c)[0] in "PSZC" for c in word)


def _splits(word: str) -> bool:
    from search.analysis.janome_tokenizers import janome_tokens
    return len(janome_tokens(word, wakati=True)) > 1


def _reading(word: str) -> str:
    from search.analysis.janome_tokenizers import janome_tokens
    parts = []
    for token in janome_tokens(word):
        parts.append(token.reading if token.reading != "*" else token.surface)
    return "".join(parts)


def dictionary_entries(keywords: Iterable[str] = (), owner_files: Iterable[Path] = ()) -> list[tuple[str, str]]:
    """The entries of the user dictionary for one index: shipped words, keywords, owner words.

    :param keywords: tags and categories of the posts; only those Janome would split are added.
    :param owner_files: the site owner's word lists.
    :returns: ``(surface, reading)`` pairs, NFKC-normalized surfaces, first occurrence wins. A
        word with Latin letters comes in lower and upper case too (生成AI, 生成ai, 生成AI): Janome
        matches the dictionary case-sensitively, and readers type ``生成ai`` for the same word.
    """
    entries: dict[str, str] = {}

    def add(word: str, reading: str) -> None:
        word = normalize_with_offsets(word).text.strip()  # as Janome sees the posts (NFKC, 髙 → 高)
        if _is_candidate(word) and word not in entries:
            entries[word] = unicodedata.normalize("NFKC", reading) or _reading(word)
            for variant in (word.lower(), word.upper()):
                entries.setdefault(variant, entries[word])

    for word, reading in read_word_list(SHIPPED_WORDS):
        add(word, reading)
    for path in owner_files:
        for word, reading in read_word_list(path):
            add(word, reading)
    for keyword in sorted(set(keywords)):
        normalized = normalize_with_offsets(keyword).text.strip()
        if normalized not in entries and _is_candidate(normalized) and _splits(normalized):
            add(normalized, "")
    return sorted(entries.items())


def write_dictionary(entries: list[tuple[str, str]], path: Path) -> str:
    """Write entries as a Janome simpledic CSV; returns the SHA-256 of the file's content."""
    lines = [f"{surface},{USER_POS},{reading or surface}" for surface, reading in entries]
    content = "\n".join(lines) + "\n"
    Path(path).write_text(content, encoding="utf-8")
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
