"""Query parser: words, phrases, OR, exclusion, groups, fields, limits."""

import pytest

from search.errors import QueryError
from search.querying.parser import MAX_QUERY_CHARS, MAX_QUERY_WORDS, And, Not, Or, Word, parse_query, words_of


@pytest.mark.parametrize("q, tree", [
    ("東京", Word("東京")),
    ("東京 観光", And((Word("東京"), Word("観光")))),
    ("東京\u3000観光", And((Word("東京"), Word("観光")))),
    ("東京　ＯＲ　大阪", Or((Word("東京"), Word("大阪")))),
    ("東京 | 大阪", Or((Word("東京"), Word("大阪")))),
    ("東京|大阪", Or((Word("東京"), Word("大阪")))),
    # the full-width bar of Japanese titles separates words; only the ASCII one means OR
    ("東京｜大阪", And((Word("東京"), Word("大阪")))),
    ("連載 その1｜Deno 入門", And((Word("連載"), Word("その1"), Word("Deno"), Word("入門")))),
    ("東京 ｜ 大阪", And((Word("東京"), Word("大阪")))),
    ('"生成 AI"', Word("生成 AI", phrase=True)),
    ('＂生成AI', Word("生成AI", phrase=True)),          # unbalanced, full-width quote
    ("AWS -Lambda", And((Word("AWS"), Not(Word("Lambda"))))),
    ("AWS －Lambda", And((Word("AWS"), Not(Word("Lambda"))))),
    ("(東京 OR 大阪) 観光", And((Or((Word("東京"), Word("大阪"))), Word("観光")))),
    ("(東京 OR 大阪 観光", Or((Word("東京"), And((Word("大阪"), Word("観光")))))),
    ("東京) 観光", And((Word("東京"), Word("観光")))),
    ("tag:AWS", Word("AWS", field="tag")),
    ("タグ:生成AI", Word("生成AI", field="tag")),
    ("title:検索", Word("検索", field="title")),
    ("http://example.com", Word("http://example.com")),   # unknown field: plain text
    # a field before a quoted phrase or a group limits all of it (was: the word "title" anywhere)
    ('title:"生成 AI"', Word("生成 AI", phrase=True, field="title")),
    ('Title:"Vim Magazine" 猫', And((Word("Vim Magazine", phrase=True, field="title"), Word("猫")))),
    ('猫 -tag:"生成 AI"', And((Word("猫"), Not(Word("生成 AI", phrase=True, field="tag"))))),
    ('猫 ーカテゴリ:"日 記"', And((Word("猫"), Not(Word("日 記", phrase=True, field="category"))))),
    ("title:(vim OR neovim)", Or((Word("vim", field="title"), Word("neovim", field="title")))),
    ("著者:(山田 -tag:x) 猫", And((And((Word("山田", field="author"), Not(Word("x", field="tag")))), Word("猫")))),
    ("TAG:(AWS", Word("AWS", field="tag")),                # unbalanced group closed for the reader
    ("title:", None), ("猫 tag:", Word("猫")),             # a field with no value holds no word
    ('foo:"bar"', And((Word("foo:"), Word("bar", phrase=True)))),  # unknown field: as before
    ("CVE-2024-1234", Word("CVE-2024-1234")),
    ("- -- OR", None),
    # AND, as other search boxes spell it, is what a space means already (upper case, ＡＮＤ too)
    ("猫 AND 東京", And((Word("猫"), Word("東京")))),
    ("猫　ＡＮＤ　東京", And((Word("猫"), Word("東京")))),
    ("(猫 AND 東京) OR 大阪", Or((And((Word("猫"), Word("東京"))), Word("大阪")))),
    ("AND", None),
    ("猫 and 東京", And((Word("猫"), Word("and"), Word("東京")))),
    # "-" typed in a Japanese input mode: the long-vowel mark, the minus sign or a hyphen
    ("東京都 ー猫", And((Word("東京都"), Not(Word("猫"))))),
    ("東京都\u3000ー猫", And((Word("東京都"), Not(Word("猫"))))),
    ("ー猫 東京都", And((Not(Word("猫")), Word("東京都")))),
    ("AWS −Lambda", And((Word("AWS"), Not(Word("Lambda"))))),
    ("AWS \u2010Lambda", And((Word("AWS"), Not(Word("Lambda"))))),
    ("AWS \u2011Lambda", And((Word("AWS"), Not(Word("Lambda"))))),
    ("(東京 OR 大阪) ー観光", And((Or((Word("東京"), Word("大阪"))), Not(Word("観光"))))),
    ("東京 ー\"生成 AI\"", And((Word("東京"), Not(Word("生成 AI", phrase=True))))),
    ("東京 ｰ猫", And((Word("東京"), Not(Word("猫"))))),  # half-width, NFKC → ー
    # ... but with no other word to search for it is text (a katakana word cut short, most likely)
    ("ー猫", Word("ー猫")),
    ("ーロッパ外交に持ち込まれた対立とは？", Word("ーロッパ外交に持ち込まれた対立とは?")),
    ("ー猫 −犬", And((Word("ー猫"), Word("−犬")))),
    ("ー猫 -犬", And((Word("ー猫"), Not(Word("犬"))))),
    ("-猫", Not(Word("猫"))),  # an ASCII minus is always the operator
    # ー alone, inside or at the end of a word is text
    ("ー", Word("ー")),
    ("東京 ー", And((Word("東京"), Word("ー")))),
    ("ーー", Word("ーー")),
    ("サーバー", Word("サーバー")),
    ("サーバー ー", And((Word("サーバー"), Word("ー")))),
    ("猫ー", Word("猫ー")),
    ("東京−大阪", Word("東京−大阪")),
    ("", None), ("   ", None), ('""', None), ("()", None),
    # NOT before a word, phrase or group excludes it, as - does (upper case, ＮＯＴ too)
    ("vim NOT windows", And((Word("vim"), Not(Word("windows"))))),
    ("vim ＮＯＴ windows", And((Word("vim"), Not(Word("windows"))))),
    ('猫 NOT "生成 AI"', And((Word("猫"), Not(Word("生成 AI", phrase=True))))),
    ("猫 NOT (犬 OR 鳥)", And((Word("猫"), Not(Or((Word("犬"), Word("鳥"))))))),
    ("猫 NOT tag:AWS", And((Word("猫"), Not(Word("AWS", field="tag"))))),
    # ... in lower case, at the end or before another operator it is a word
    ("vim not windows", And((Word("vim"), Word("not"), Word("windows")))),
    ("vim NOT", And((Word("vim"), Word("NOT")))),
    ("vim NOT OR emacs", Or((And((Word("vim"), Word("NOT"))), Word("emacs")))),
])
def test_parse_query(q, tree):
    assert parse_query(q) == tree


def test_words_of_skips_negated_unless_asked():
    tree = parse_query("a -b c")
    assert [w.text for w in words_of(tree)] == ["a", "c"]
    assert [w.text for w in words_of(tree, negated=True)] == ["a", "b", "c"]


@pytest.mark.parametrize("q", ["あ" * (MAX_QUERY_CHARS + 1), "あ" * 10_000, " ".join(["語"] * (MAX_QUERY_WORDS + 1)),
                               "(" * 50 + "x"])
def test_limits_raise_query_error(q):
    with pytest.raises(QueryError):
        parse_query(q)


def test_limits_allow_the_maximum():
    assert parse_query("あ" * MAX_QUERY_CHARS) == Word("あ" * MAX_QUERY_CHARS)


FIELD_NAMES = sorted(__import__("search.querying.parser", fromlist=["FIELD_ALIASES"]).FIELD_ALIASES.items())


@pytest.mark.parametrize("name, field", FIELD_NAMES)
@pytest.mark.parametrize("words", [("東京", "大阪"), ("AWS", "生成AI", "ラムダ"), ("サーバー",)])
def test_a_field_applies_to_every_word_of_its_group_and_phrase(name, field, words):
    group = parse_query(f"{name}:(" + " OR ".join(words) + ")")
    expected = [Word(w, field=field) for w in words]
    assert (group.children if isinstance(group, Or) else (group,)) == tuple(expected)
    phrase = parse_query(f'{name}:"' + " ".join(words) + '"')
    assert phrase == Word(" ".join(words), phrase=True, field=field)
