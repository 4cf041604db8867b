"""Normalization: NFKC with an offset map, term folding (width, case, kana, iteration marks, ー)."""

import pytest

from search.normalize import fold_term, normalize_query, normalize_with_offsets


@pytest.mark.parametrize("text, normalized", [
    ("ＡＷＳ", "AWS"),
    ("ｶﾞｷﾞ", "ガギ"),
    ("か\u3099", "が"),          # decomposed voiced mark
    ("か゛", "が"),              # spacing voiced mark U+309B
    ("１，０００円", "1000円"),   # full-width digits and thousands separator
    ("1,000,000", "1000000"),
    ("1,23", "1,23"),            # not a thousands separator
    ("㍿", "株式会社"),
    ("plain text", "plain text"),
])
def test_normalize_with_offsets_text(text, normalized):
    assert normalize_with_offsets(text).text == normalized


@pytest.mark.parametrize("text", ["ｶﾞｷﾞの㍿ＡＷＳ", "か゛き゛", "値段は１，０００円", "\n\n人々", "e\u0301t\u00e9"])
def test_offsets_cover_original_characters(text):
    normalized = normalize_with_offsets(text)
    assert len(normalized.starts) == len(normalized.ends) == len(normalized.text)
    for i, char in enumerate(normalized.text):
        start, end = normalized.span(i, i + 1)
        assert 0 <= start < end <= len(text)
        import unicodedata
        assert char in unicodedata.normalize("NFKC", text[start:end].replace("゛", "\u3099")) or char == ","


@pytest.mark.parametrize("term, folded", [
    ("AWS", "aws"), ("りんご", "リンゴ"), ("リンゴ", "リンゴ"), ("人々", "人人"), ("時々", "時時"),
    ("サーバー", "サーバ"), ("サーバ", "サーバ"), ("サバ", "サバ"), ("コンピューター", "コンピュータ"),
    ("ルー", "ルー"),  # shorter than 4: kept
    ("いすゞ", "イスズ"), ("ﾘﾝｺﾞ", "ﾘﾝｺﾞ"),  # fold_term expects NFKC input; width is normalize's job
])
def test_fold_term(term, folded):
    assert fold_term(term) == folded


@pytest.mark.parametrize("q, normalized", [
    ("東京\u3000観光", "東京 観光"),
    ("\u3000東京\u00a0観光\u3000", "東京 観光"),
    ("ＡＷＳ　ＯＲ　＂生成ＡＩ＂", 'AWS OR "生成AI"'),
    ("a\x00b\tc", "a b c"),
    ("－除外", "-除外"),
])
def test_normalize_query(q, normalized):
    assert normalize_query(q) == normalized
