"""Fixture texts for the analysis-equality tests (tests/test_field_postings.py), and the postings
each text field of the schema gives them, in a form that can be written as JSON lines and compared.

``python -m tests.analysis_fixture OUT.jsonl`` writes those postings with this tree's code (the
golden file was written with the code before the analysis was made faster, issue 14).
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

#: Tags made user-dictionary words (Janome splits most of them).
TAGS = ("結合テスト", "生成AI", "Next.js入門", "東京都庁", "量子計算機", "猫カフェ")

TEXTS = (
    "東京都庁で結合テストを行いました。生成AIとNext.js入門の記事です。",
    "ＡＷＳのｶﾞｲﾄﾞとサーバーの設定。コンピューター、ユ－ザ－、サーバ―。",
    "ヴァイオリンとバイオリン、ウィンドウとウインドウ、インターフェースとインタフェイス。",
    "人々は日本の今日と明日を語る。第五章と第5章、3ヶ国と3か国、1,000円と10,000,000人。",
    "スティーブ・ジョブズ氏とアンドリュー タネンバウム氏。C#とC♯とF#、Node.jsとVue.js 3。",
    "お勧めの書き込みを貼り付けてください。申し込みは申込でも申込みでも。",
    "絵文字👍と👨\u200d👩\u200d👧、キーキャップ1️⃣、国旗🇯🇵。",
    "か\u3099き\u309bくけこ、ﾊﾟﾋﾟﾌﾟ、ゝゞヽヾ、いすゞ、〆切。",
    "生成 AI と生成AI、AWS を使う と AWSを使う。\nLine two: straße STRASSE ǅ.\n\n  indented\tline",
    "量子計算機の猫カフェ。猫カフェの量子計算機。髙橋さんと高橋さん、國と国。",
    "print('記事1')\nfor i in range(10): x += i  # コメント",
    "短い",
    "ー",
    "、。！？",
    "ａｂｃ　ＤＥＦ　１２３",
    "東京の東京で東京へ。とうきょう、トウキョウ。" * 3,
)

#: ``(text, ruby)``: furigana as the reader gives them (offsets into the text).
RUBY_TEXTS = (("小鳥遊さんと東京", ((0, 3, "たかなし"), (6, 7, "とう"), (7, 8, "きょう"))),)


#: One field of each analyzer (words, n-grams, readings) and format (with and without characters).
FIELDS = ("title", "title_ngram", "body_reading", "anchors", "anchors_ngram", "anchors_reading")


def dictionary_file(folder: Path) -> str:
    from search.analysis.dictionary import dictionary_entries, write_dictionary

    path = folder / "userdic.csv"
    write_dictionary(dictionary_entries(TAGS, []), path)
    return str(path)


def all_postings(dictionary: str, index) -> dict[str, list]:
    """``{field: [[text number, term, frequency, weight, value (base64)], ...]}`` for each of
    :data:`FIELDS`, each text analyzed with ``index(field, value)``."""
    from search.analysis.readings import AnnotatedText
    from search.indexing.schema import build_schema

    schema = build_schema(dictionary)
    values = list(TEXTS) + [AnnotatedText(text, ruby) for text, ruby in RUBY_TEXTS]
    found: dict[str, list] = {}
    for name in schema.names():
        field = schema[name]
        if name not in FIELDS:
            continue
        found[name] = [[number, term.decode("utf-8"), freq, weight, base64.b64encode(value).decode()]
                       for number, value_ in enumerate(values)
                       for term, freq, weight, value in index(field, value_)]
    return found


def main(argv: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        dictionary = dictionary_file(Path(temp))
        found = all_postings(dictionary, lambda field, value: list(field.index(value)))
    lines = [json.dumps([name, *posting], ensure_ascii=False) for name, postings in found.items() for posting in postings]
    Path(argv[0]).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
