"""Build ``search/analysis/data/loanwords.tsv`` (English word → its katakana loanword) from UniDic.

UniDic (国立国語研究所, BSD 3-clause among its licences) gives a loanword's 語彙素 with the word it
comes from: ``コード-code``, ``ビジュアル-visual``, ``インターフェース-interface``. This script
reads the feature strings of the ``unidic-lite`` package's compiled dictionary (``sys.dic``; the
features are NUL-terminated UTF-8 strings) and keeps every 外来語 lemma ``katakana-english`` whose
English is a lower-case word of 3+ letters, dropping clipped forms (アプリ beside アプリケーション)
and English function words (``the`` → ザ), which posts write as English, not as loanwords.

Run once by hand (unidic-lite is no dependency of the project)::

    python -m venv /tmp/ud && /tmp/ud/bin/pip install unidic-lite==1.0.8
    python -m bench.unidic_loanwords /tmp/ud/lib/python3.11/site-packages/unidic_lite/dicdir/sys.dic
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "search" / "analysis" / "data" / "loanwords.tsv"
_LEMMA = re.compile(r"^([ァ-ヺー]{2,})-([a-z]{3,})$")
#: English function words and the like: a post writes them in English, never as a loanword.
STOP = set("""the and for but not nor you your are was were with this that these those from have has had all any
can its our out one two who whom how what when where which why will would shall should could than then they them
their there here his her him she get got yes via may might must into onto upon off own per too very just also""".split())


def extract(sys_dic: Path) -> dict[str, list[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for raw in sys_dic.read_bytes().split(b"\x00"):
        if raw.count(b",") < 12:
            continue
        try:
            fields = raw.decode("utf-8").split(",")
        except UnicodeDecodeError:
            continue
        match = _LEMMA.match(fields[7]) if len(fields) > 12 and fields[12] == "外" else None
        if match and match.group(2) not in STOP:
            found[match.group(2)].add(match.group(1))
    table: dict[str, list[str]] = {}
    for english, katakana in found.items():
        kept = sorted(k for k in katakana if not any(o != k and o.startswith(k) for o in katakana))
        table[english] = kept
    return table


def main(argv: list[str]) -> int:
    table = extract(Path(argv[0]))
    lines = ["# English word<TAB>katakana loanword(s), from UniDic (unidic-lite 1.0.8, 国立国語研究所, BSD 3-clause):",
             "# 外来語 lemmas written katakana-english; built by bench/unidic_loanwords.py"]
    lines += [f"{english}\t{','.join(katakana)}" for english, katakana in sorted(table.items())]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(table)} words -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
