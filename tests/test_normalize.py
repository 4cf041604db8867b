"""Normalization: NFKC with an offset map, term folding (width, case, kana, iteration marks, ー)."""

import unicodedata

import pytest

from search.analysis.normalize import _KANJI_VARIANTS, _read_kanji_variants, fold_term, normalize_query, normalize_with_offsets


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
    ("髙橋さん", "高橋さん"),      # kanji variants fold to one form
    ("𠮷野家の﨑", "吉野家の崎"),  # ... also outside the BMP, and those NFKC leaves alone
    ("國語の學校", "国語の学校"),  # old forms of the Jōyō kanji
    ("\uf91b", "乱"),             # a compatibility ideograph NFKC makes into an old form
    ("埼玉と冨田と龍", "埼玉と冨田と龍"),  # different characters, not variants
])
def test_normalize_with_offsets_text(text, normalized):
    assert normalize_with_offsets(text).text == normalized


@pytest.mark.parametrize("text", ["ｶﾞｷﾞの㍿ＡＷＳ", "か゛き゛", "値段は１，０００円", "\n\n人々", "e\u0301t\u00e9",
                                  "ｶﾞ髙橋１，０００𠮷\uf91b"])
def test_offsets_cover_original_characters(text):
    normalized = normalize_with_offsets(text)
    assert len(normalized.starts) == len(normalized.ends) == len(normalized.text)
    for i, char in enumerate(normalized.text):
        start, end = normalized.span(i, i + 1)
        assert 0 <= start < end <= len(text)
        shown = unicodedata.normalize("NFKC", text[start:end].replace("゛", "\u3099")).translate(_KANJI_VARIANTS)
        assert char in shown or char == ","


def test_the_kanji_variant_table_maps_one_character_to_one_form():
    """Each variant folds straight to a form that is no variant itself (no chains), NFKC leaves
    both alone, and the two differ."""
    assert len(_KANJI_VARIANTS) > 200
    for variant, form in _KANJI_VARIANTS.items():
        assert form not in _KANJI_VARIANTS and variant != form
        for char in (chr(variant), chr(form)):
            assert unicodedata.normalize("NFKC", char) == char
        assert normalize_with_offsets(chr(variant)).text == chr(form)


def test_a_bad_line_of_the_kanji_variant_table_is_reported(tmp_path):
    table = tmp_path / "variants.txt"
    table.write_text("# comment\n髙 高\n髙橋 高橋\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"variants.txt:3"):
        _read_kanji_variants(table)


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
