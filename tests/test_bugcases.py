"""Every case of ../shared/bugcases/cases.json through the JSON endpoint, with its follow-ups,
plus more cases of each *kind* written here (other words, same fault).

Each case gets a fresh index of its own posts, written as Markdown files and loaded by the
product's own post loader, and is queried through ``/api/search`` as a reader's browser would.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CASES_FILE = SHARED / "bugcases" / "cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8")) if CASES_FILE.exists() else []

#: Follow-up queries from the cases' notes: case id → [(query, expected ids)].
FOLLOW_UPS = {
    "BC01": [("日本語", {"BC01-a"})],
    "BC07": [("Beautiful", {"BC07-a"}), ("AI", {"BC07-c"}), ("ai", {"BC07-c"}), ("生成AI", {"BC07-c"})],
    "BC08": [("ＵＳＢ", {"BC08-a", "BC08-b"}), ("Usb", {"BC08-a", "BC08-b"})],
    "BC11": [("サーバ", {"BC11-a", "BC11-b"})],
    "BC12": [("人人", {"BC12-a"})],
    "BC14": [("\u3000東京\u3000観光\u3000", {"BC14-a"}), ("東京\u00a0観光", {"BC14-a"}), ("東京 観光", {"BC14-a"})],
    "BC15": [("猫", {"BC15-a"}), ("の の", set()), ("は", set())],
    "BC20": [("tags", set()), ("date", set()), ("旅行", {"BC20-a"}), ("title", set())],
}

#: More cases of each kind, with words of our own: (kind, docs, query, expected ids).
KIND_CASES = [
    ("tokenizer", {"k1": ("ツール紹介", "ガベージコレクションの仕組み。"), "k2": ("収集", "ごみの収集日。")},
     "コレクション", {"k1"}),
    ("tokenizer", {"k1": ("空の旅", "関西国際空港から出発。"), "k2": ("港町", "神戸港の夜景。")}, "空港", {"k1"}),
    ("tokenizer", {"k1": ("買い物", "お菓子類等を買った。"), "k2": ("菓子作り", "お菓子作りの本。")}, "菓子類", {"k1"}),
    ("query parsing", {"k1": ("府庁", "京都府庁へ行った。"), "k2": ("友人", "京都の友人は府の職員。"),
                       "k3": ("寺", "都の寺を巡る。")}, "京都府", {"k1"}),
    ("query parsing", {"k1": ("新幹線", "新幹線で大阪へ。"), "k2": ("新人", "新人研修の日。")}, "新幹線", {"k1"}),
    ("normalisation", {"k1": ("全角", "ＰＹＴＨＯＮの入門。"), "k2": ("蛇", "ヘビの話。")}, "python", {"k1"}),
    ("normalisation", {"k1": ("片仮名", "ﾊﾟｿｺﾝを買った。"), "k2": ("机", "机を買った。")}, "ぱそこん", {"k1"}),
    ("normalisation", {"k1": ("長音", "コンピューターの歴史。"), "k2": ("短い", "コンピュータの歴史。"),
                       "k3": ("別物", "コンピュの略。")}, "コンピュータ", {"k1", "k2"}),
    ("normalisation", {"k1": ("時々", "時々雨が降る。"), "k2": ("時", "時が過ぎる。")}, "時々", {"k1"}),
    ("normalisation", {"k1": ("金額", "予算は１，０００万円です。"), "k2": ("別", "予算は千円です。")}, "1000万円", {"k1"}),
]


def _write_post(directory: Path, doc_id: str, title: str, body: str) -> None:
    if body.startswith("---\n"):
        text = body  # a whole post file, front matter included (BC20)
    else:
        text = f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ndate: 2024-01-01\n---\n\n{body}\n"
    (directory / f"{doc_id}.md").write_text(text, encoding="utf-8")


def _client(tmp_path: Path, docs: dict[str, tuple[str, str]]):
    from search.indexing.rebuild import rebuild_index
    from web import create_app

    posts = tmp_path / "posts"
    posts.mkdir()
    for doc_id, (title, body) in docs.items():
        _write_post(posts, doc_id, title, body)
    rebuild_index(posts, tmp_path / "index")
    app = create_app({"TESTING": True, "POSTS_DIR": str(posts), "INDEX_DIR": str(tmp_path / "index")})
    return app.test_client()


def _search(client, q: str) -> dict:
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _ids(data: dict) -> set[str]:
    return {Path(hit["id"]).stem for hit in data["hits"]}


def _plain(snippet_html: str) -> str:
    return unicodedata.normalize("NFC", re.sub(r"</?mark>", "", snippet_html))


@pytest.mark.skipif(not CASES, reason="../shared/bugcases is not available")
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bug_case(tmp_path, case):
    client = _client(tmp_path, {d["id"]: (d["title"], d["body"]) for d in case["docs"]})
    data = _search(client, case["query"])
    expected = set(case["expect_ids"])
    assert _ids(data) == expected
    for needle in case.get("expect_highlight_contains", []):
        snippets = [_plain(h["snippet_html"]) for h in data["hits"] if Path(h["id"]).stem in expected]
        assert any(needle in s for s in snippets), (needle, snippets)
    for hit in data["hits"]:
        assert "<mark>" in hit["snippet_html"] or "<mark>" in hit.get("title_html", ""), hit
    for q, follow_up_expected in FOLLOW_UPS.get(case["id"], []):
        assert _ids(_search(client, q)) == follow_up_expected, q
    if case["id"] == "BC20":
        hit = _search(client, case["query"])["hits"][0]
        assert hit["title"] == "京都旅行記"
        assert "---" not in hit["snippet_html"] and "tags:" not in hit["snippet_html"]
        assert hit["tags"] == ["旅行", "紅葉"]


@pytest.mark.skipif(not CASES, reason="../shared/bugcases is not available")
@pytest.mark.parametrize("q", ["あ" * 10_000, "東京の天気は晴れでした。" * 900, "あ" * 201])
def test_bc16_oversized_queries_are_refused_before_analysis(tmp_path, q):
    client = _client(tmp_path, {"BC16-a": ("天気", "東京の天気。")})
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 400
    assert response.get_json()["ok"] is False and "長すぎます" in response.get_json()["error"]


@pytest.mark.parametrize("kind, docs, q, expected", KIND_CASES, ids=[f"{k}:{q}" for k, _, q, _ in KIND_CASES])
def test_more_cases_of_each_kind(tmp_path, kind, docs, q, expected):
    data = _search(_client(tmp_path, docs), q)
    assert _ids(data) == expected
    for hit in data["hits"]:
        assert "<mark>" in hit["snippet_html"], hit
