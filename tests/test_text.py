"""Tests for search.posts.markdown: Markdown/Liquid/HTML to plain text, and dropping repeated passages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.posts.passages import MIN_FRAGMENT_CHARS, MIN_PASSAGE_CHARS, drop_repeated_passages
from search.posts.markdown import clean_markdown
from search.posts.liquid import remove_liquid

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED_POST = SHARED / "seed" / "000_404c0bca200c4134.txt"

FENCE = "```"


# --------------------------------------------------------------------------------------------
# clean_markdown: body


@pytest.mark.parametrize(
    ("markdown", "body"),
    [
        ("# 見出し\n\n本文です。", "見出し\n本文です。"),
        ("- 一つ目\n- 二つ目\n  続きの行", "一つ目\n二つ目続きの行"),
        ("1. 手順一\n2. 手順二", "手順一\n手順二"),
        ("> 引用された文です。", "引用された文です。"),
        ("| 列A | 列B |\n| --- | --- |\n| はい | いいえ |", "列A | 列B\nはい | いいえ"),
        ("[東京都の情報](https://example.com/tokyo)を見る", "東京都の情報を見る"),
        ("[公式サイト][site]\n\n[site]: https://example.com/", "公式サイト"),
        ("![眠る猫の写真](cat.png)", "眠る猫の写真"),
        ("`pip install kensaku` を実行", "pip install kensaku を実行"),
        ("**強調**と*斜体*と~~取り消し~~", "強調と斜体と取り消し"),
        ("<code>x</code> と <kbd>Ctrl</kbd>", "x と Ctrl"),
        ("一行目<br>二行目", "一行目 二行目"),
        ("写真<img src='a.png' alt='東京都庁'>です", "写真 東京都庁 です"),
        ("<p><img src='a.png' alt='猫'/></p>", "猫"),
        ("{{ unclosed\n\n次の段落 }}", "{{ unclosed\n次の段落 }}"),
        ("<div>\n<p>段落 &amp; 記号</p>\n</div>", "段落 & 記号"),
        ("&lt;tag&gt; &#x732B; &copy;", "<tag> 猫 ©"),
        ("前<script>alert('本文ではない')</script>後", "前後"),
        ("<script>\nvar s = '本文ではない';\n</script>\n\n本文", "本文"),
        ("<style>\np { color: red; }\n</style>\n\n本文", "本文"),
        ("<!-- コメント -->\n\n本文", "本文"),
        ("<details>\n<summary>開く</summary>\n\n中身です。\n\n</details>", "開く\n中身です。"),
        (":::info\n情報の中身です。\n:::", "情報の中身です。"),
        (":::column:コラムの題\nコラムの中身です。\n:::", "コラムの題\nコラムの中身です。"),
        (":::: info\n外側\n::: alert\n内側\n:::\n::::", "外側\n内側"),
        ("本文です[^1]。\n\n[^1]: 脚注です。", "本文です。\n脚注です。"),
        ("数式 $$E = mc^2$$ です", "数式 E = mc^2 です"),
        ("東京都の\n人口", "東京都の人口"),
        ("Ruby\nversion", "Ruby version"),
        ("Ruby\nの本", "Ruby の本"),
        ("行末に空白  \n次の行", "行末に空白次の行"),
        ("hard break  \nnext", "hard break next"),
        ("a  \t b\u3000c", "a b c"),
        ("\n\n\n   \n", ""),
        ("段落一\n\n---END---\n\n段落二", "段落一\n段落二"),
        ("{{ page.title }} と {% if x %}条件{% endif %}", "と 条件"),
    ],
)
def test_clean_markdown_body(markdown: str, body: str) -> None:
    assert clean_markdown(markdown).body == body


@pytest.mark.parametrize(
    ("markdown", "body", "code"),
    [
        (f"前\n\n{FENCE}python\nprint('hi')\n{FENCE}\n\n後", "前\n後", "print('hi')"),
        ("前\n\n    indented = True\n\n後", "前\n後", "indented = True"),
        ("~~~\nチルダ\n~~~", "", "チルダ"),
        (f"{FENCE}\nA\n{FENCE}\n\n{FENCE}\nB\n{FENCE}", "", "A\nB"),
        (f"本文\n\n{FENCE}bash\nunclosed\nmore", "本文", "unclosed\nmore"),
        ("<pre><code>出力 &lt;1&gt;\n二行目</code></pre>\n\n本文", "本文", "出力 <1>\n二行目"),
        ("{% highlight ruby %}\nputs 1\n{% endhighlight %}\n\n本文", "本文", "puts 1"),
        ("{% raw %}\n{{ not_liquid }}\n{% endraw %}", "", "{{ not_liquid }}"),
        # a raw inside a line keeps its text in the sentence, as Jekyll shows it (Liquid and all)
        ("生のHTMLと{% raw %}Liquid{% endraw %}を書く。", "生のHTMLとLiquidを書く。", ""),
        ("例 {% raw %}{{ page.title }}{% endraw %} と {%- raw -%}{% if x %}{%- endraw -%} を使う。",
         "例 {{ page.title }} と {% if x %} を使う。", ""),
        ("{% raw %}`x`{% endraw %} です", "`x` です", ""),
        ("前 {% raw %}{{ a }}{% endraw %}\n\n{% raw %}\n{{ b }}\n{% endraw %}", "前 {{ a }}", "{{ b }}"),
        (f"{FENCE}yaml\ntag: ${{{{ github.sha }}}}\n{FENCE}", "", "tag: ${{ github.sha }}"),
    ],
)
def test_clean_markdown_code(markdown: str, body: str, code: str) -> None:
    cleaned = clean_markdown(markdown)
    assert (cleaned.body, cleaned.code) == (body, code)


def test_clean_markdown_headings() -> None:
    cleaned = clean_markdown("前置き\n\n## 第一章\n\n本文\n\nSetext 見出し\n---\n")
    assert cleaned.headings == ("第一章", "Setext 見出し")


def test_body_lines_are_stripped_and_non_empty() -> None:
    body = clean_markdown("  前後に空白  \n\n\n- \n- 項目\n\n|  |  |\n|--|--|\n|  |  |").body
    assert body == "前後に空白\n項目"


# --------------------------------------------------------------------------------------------
# remove_liquid


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("Markdown だけ", "Markdown だけ"),
        ("題名は{{ page.title }}です", "題名はです"),
        ("{% assign x = site.data | first %}\n本文", "\n本文"),
        ("{%- if a -%}A{%- endif -%}", "A"),
        ("[前回]({% link _posts/2024-01-01-a.md %})", "[前回](_posts/2024-01-01-a.md)"),
        ("[前回]({% post_url 2024-01-01-a %})", "[前回](2024-01-01-a)"),
        ("* <{{ release.url.gz }}>", "* "),
        ("[差分](https://x.test/compare/{{ release.tag }}#files)", "[差分](https://x.test/compare/#files)"),
        ("`{% edge \"liquid\" %}`から", "` `から"),
        ("{% comment %}\n消える\n{% endcomment %}残る", "残る"),
        (f"{FENCE}\n{{{{ user.name }}}} {{% if %}}\n{FENCE}", f"{FENCE}\n{{{{ user.name }}}} {{% if %}}\n{FENCE}"),
        (f"{FENCE}\n{{% raw %}}{{{{ x }}}}{{% endraw %}}\n{FENCE}", f"{FENCE}\n{{{{ x }}}}\n{FENCE}"),
        ("    {{ indented_code }}", "    {{ indented_code }}"),
    ],
)
def test_remove_liquid(markdown: str, expected: str) -> None:
    assert remove_liquid(markdown) == expected


def test_remove_liquid_highlight_becomes_fence_longer_than_its_backticks() -> None:
    markdown = "{% highlight md %}\n```\ncode\n```\n{% endhighlight %}"
    assert remove_liquid(markdown).strip() == "````md\n```\ncode\n```\n````"


def test_highlight_inside_a_fence_stays_code() -> None:
    markdown = f"{FENCE}liquid\n{{% highlight ruby %}}\nx\n{{% endhighlight %}}\n{FENCE}"
    cleaned = clean_markdown(markdown)
    assert cleaned.body == ""
    assert cleaned.code == "{% highlight ruby %}\nx\n{% endhighlight %}"


# --------------------------------------------------------------------------------------------
# drop_repeated_passages

A = "最初の段落は猫の話から始まります。"
B = "猫は一日の大半を眠って過ごします。"
C = "二番目の段落ではりんごの収穫について書きます。"
D = "東京都の人口は今も少しずつ増えています。"
TITLE = "繰り返しのある記事の題名"
HEADING = "ステートレスなプロトコルにおけるアプリケーション"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(f"{A}{B}\n{C}\n{A}{B}\n{C}\n{D}", f"{A}{B}\n{C}\n{D}", id="same paragraphs"),
        pytest.param(f"{A}\n{B}\n{C}\n{A} {B} {C} {D}", f"{A}\n{B}\n{C}\n{D}", id="run together"),
        pytest.param(f"{A}{B}\n{C}\n{A}{B}{C[:18]}", f"{A}{B}\n{C}", id="cut off after repeats"),
        pytest.param(f"{A}\n{B}\n{A}\n{C[:18]}\n{B}\n{C}", f"{A}\n{B}\n{C}", id="cut-off line in a repeated run"),
        pytest.param(f"{A}{C[:18]}\n{C}{D}", f"{A}\n{C}{D}", id="cut off, full sentence follows"),
        pytest.param(f"{A}\n{B}\n{C}{D[:17]}\n{A}\n{D}", f"{A}\n{B}\n{C}\n{D}", id="cut off before a repeat"),
        pytest.param(f"{TITLE}\n{A}{B}\n{TITLE} {A}{B}", f"{TITLE}\n{A}{B}", id="title glued by a space"),
        pytest.param(f"{A}\n新しい見出しの行です {A}", f"{A}\n新しい見出しの行です", id="old passage glued after new"),
        pytest.param(f"{A}\n…{A}\n...{B}\n{B}", f"{A}\n...{B}", id="leading ellipsis"),
        pytest.param(f"{A}  {B}\n{A} {B}", f"{A}  {B}", id="whitespace normalized"),
        pytest.param(f"{A}はい。{B}\n{A}はい。{B}", f"{A}はい。{B}", id="short sentence inside repeated run"),
        pytest.param(f"{A}\nはい。\n{B}\n{A}\nはい。\n{B}", f"{A}\nはい。\n{B}", id="short line inside repeated run"),
        pytest.param(
            f"{A}\n{A}\n{HEADING}\n{B}\n{HEADING}の作り方を説明します。",
            f"{A}\n{HEADING}\n{B}\n{HEADING}の作り方を説明します。",
            id="heading after a single repeat stays",
        ),
        pytest.param(f"「{A}」と言った。\n「{A}」と言った。", f"「{A}」と言った。", id="closing quotes"),
    ],
)
def test_drop_repeated_passages(text: str, expected: str) -> None:
    assert drop_repeated_passages(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param(f"{A}{B}\n{C}", id="nothing repeated"),
        pytest.param("まとめ\n本文の一つ目です。\nまとめ\n本文の二つ目です。", id="short heading repeats"),
        pytest.param("はい いいえ\nはい いいえ", id="short table rows repeat"),
        pytest.param(f"{A}\nはい。\n{C}\nはい。", id="short line between new passages"),
        pytest.param("Pythonのインストール\nPythonのインストールは簡単です。", id="heading prefixes a sentence"),
        pytest.param(f"{A}{C[:12]}\n{C}", id="short fragments are kept"),
        pytest.param(f"新しい見出しの行です {A}\n{A}", id="limitation: glued first occurrence not split later"),
    ],
)
def test_drop_repeated_passages_keeps(text: str) -> None:
    assert drop_repeated_passages(text) == text


_POOL = [
    "生成AIの投資は年々増えています。",
    "東京都の人口は少しずつ増えています。",
    "猫は一日の大半を眠って過ごします。",
    "クラウドへのサーバー移行が終わりました！",
    "Pythonで記録を残すと便利ですか？",
    "人々は朝市でりんごを買いました。",
]


@given(st.lists(st.lists(st.sampled_from(_POOL), min_size=1, max_size=4), max_size=12))
def test_every_distinct_sentence_survives_exactly_once(lines: list[list[str]]) -> None:
    text = "\n".join(("" if i % 3 else " ").join(line) for i, line in enumerate(lines))
    result = drop_repeated_passages(text)
    sentences = re.findall(r"[^。！？]+[。！？]", re.sub(r"\s", "", result))
    first_seen = list(dict.fromkeys(s for line in lines for s in line))
    assert sentences == first_seen
    assert drop_repeated_passages(result) == result


def test_thresholds_are_small() -> None:
    assert 4 <= MIN_PASSAGE_CHARS <= 12
    assert MIN_PASSAGE_CHARS <= MIN_FRAGMENT_CHARS <= 24


# --------------------------------------------------------------------------------------------
# The blog's real post (read from ../shared at test time; never copied into the repository)


def _sentences(text: str) -> list[str]:
    """Sentences split on 。！？!? and line ends, whitespace removed, leading '...' removed."""
    out = []
    for line in text.split("\n"):
        for sentence in re.split(r"(?<=[。！？!?])", line):
            sentence = re.sub(r"^(?:\.{2,}|…+)", "", re.sub(r"\s+", "", sentence))
            if sentence:
                out.append(sentence)
    return out


@pytest.fixture(scope="module")
def seed_post() -> tuple[str, str]:
    if not SEED_POST.is_file():
        pytest.skip(f"{SEED_POST} is not available")
    raw = SEED_POST.read_text(encoding="utf-8")
    content = raw.split("\n---\n", 1)[1]  # after the front matter
    return content, clean_markdown(content).body


def test_seed_post_keeps_every_distinct_sentence(seed_post: tuple[str, str]) -> None:
    content, body = seed_post
    flat_body = re.sub(r"\s+", "", body)
    source = _sentences(content.replace("---END---", ""))
    missing = [s for s in dict.fromkeys(source) if s not in flat_body]
    assert missing == []


def test_seed_post_has_no_sentence_twice(seed_post: tuple[str, str]) -> None:
    _, body = seed_post
    sentences = [s for s in _sentences(body) if len(s) >= MIN_PASSAGE_CHARS]
    repeated = sorted({s for s in sentences if sentences.count(s) > 1})
    assert repeated == []
    truncated = [s for s in sentences if any(o != s and o.startswith(s) for o in sentences)]
    assert truncated == []


def test_seed_post_shrinks_and_loses_markers(seed_post: tuple[str, str]) -> None:
    content, body = seed_post
    assert "---END---" not in body
    assert len(body) < len(content) / 2
