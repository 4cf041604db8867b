"""The process's Janome tokenizers: text without a user-dictionary word skips that dictionary's look-up."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import janome_tokenizers
from search.analysis.dictionary import write_dictionary
from search.analysis.janome_tokenizers import janome_tokens, lock, tokenizer

USER_WORDS = [("生成AI", "セイセイエーアイ"), ("結合テスト", "ケツゴウテスト"), ("C++入門", "シープラプラニュウモン"),
              ("東京都庁舎", "トウキョウトチョウシャ")]
#: Pieces of text: the user words, their parts and their neighbours in ordinary text.
PIECES = ["生成", "AI", "生成AI", "結合", "テスト", "結合テスト", "C++", "入門", "C++入門", "東京都庁", "舎",
          "東京都庁舎", "の", "を", "した。", "単体", "画像", "モデル", " ", "で", "学ぶ", "ai", "生成ＡＩ"]


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory):
    path = tmp_path_factory.mktemp("dic") / "userdic.csv"
    write_dictionary(USER_WORDS, path)
    return str(path)


def direct(text, dictionary):
    """The user-dictionary tokenizer's own tokens, as comparable tuples."""
    with lock():
        return [(t.surface, t.part_of_speech, t.base_form, t.reading) for t in tokenizer(dictionary).tokenize(text)]


def shown(tokens):
    return [(t.surface, t.part_of_speech, t.base_form, t.reading) for t in tokens]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12))
def test_tokens_are_the_user_tokenizers_whichever_tokenizer_runs(dictionary, pieces):
    text = "".join(pieces)
    assert shown(janome_tokens(text, dictionary)) == direct(text, dictionary)
    assert janome_tokens(text, dictionary, wakati=True) == [t[0] for t in direct(text, dictionary)]


def test_the_user_dictionary_runs_only_where_one_of_its_words_occurs(dictionary, monkeypatch):
    with lock():
        user = tokenizer(dictionary)
    calls = []
    original = user.tokenize

    def counting(text, *args, **kwargs):
        calls.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(user, "tokenize", counting)
    assert janome_tokens("単体テストで生成モデルを学ぶ", dictionary, wakati=True)[:3] == ["単体テスト", "で", "生成"]
    assert calls == []
    for text in ("結合テストを書く", "C++入門を読む", "画像の生成AI"):
        janome_tokens(text, dictionary)
    assert calls == ["結合テストを書く", "C++入門を読む", "画像の生成AI"]
    assert "生成AI" in janome_tokens("画像の生成AI", dictionary, wakati=True)


def test_an_evicted_dictionary_takes_its_words_along(tmp_path):
    paths = []
    for number in range(janome_tokenizers.MAX_TOKENIZERS + 1):
        path = tmp_path / f"userdic{number}.csv"
        write_dictionary([(f"新語{number}号", "シンゴ")], path)
        paths.append(str(path))
        assert f"新語{number}号" in janome_tokens(f"これは新語{number}号です", str(path), wakati=True)
    assert set(janome_tokenizers._user_surfaces) <= set(janome_tokenizers._tokenizers)
    assert paths[0] not in janome_tokenizers._user_surfaces
    assert "新語0号" in janome_tokens("これは新語0号です", paths[0], wakati=True)  # made again, with its words
