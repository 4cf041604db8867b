"""The site owner's files: synonyms applied at query time (no reindex), a word list for Janome."""

from __future__ import annotations

import os

from click.testing import CliRunner

POSTS = {
    "2024-01-01-js.md": "---\ntitle: 入門\n---\n\nJavaScript の基本を学ぶ。\n",
    "2024-01-02-food.md": "---\ntitle: 料理\n---\n\n味噌汁を作った。ほげふが製法で。\n",
}


def _site(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    for name, text in POSTS.items():
        (posts / name).write_text(text, encoding="utf-8")
    return posts


def test_synonym_file_edits_apply_to_the_next_query(tmp_path):
    from search.indexing.rebuild import rebuild_index
    from web import create_app

    posts = _site(tmp_path)
    rebuild_index(posts, tmp_path / "index")
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# none yet\n", encoding="utf-8")
    app = create_app({"TESTING": True, "POSTS_DIR": str(posts), "INDEX_DIR": str(tmp_path / "index"),
                      "SYNONYMS_FILE": str(synonyms), "ANALYTICS": False})
    client = app.test_client()
    assert client.get("/api/search?q=ジャバスクリプト").get_json()["total"] == 0
    synonyms.write_text("JavaScript, ジャバスクリプト\n", encoding="utf-8")
    os.utime(synonyms, ns=(1, 2 * 10**18))
    data = client.get("/api/search?q=ジャバスクリプト").get_json()
    assert [h["id"] for h in data["hits"]] == ["2024-01-01-js.md"]
    assert "<mark>JavaScript</mark>" in data["hits"][0]["snippet_html"]


def test_reindex_takes_the_owner_word_list(tmp_path):
    from search.analysis.morphemes import morphemes
    from search.indexing.generations import current_generation
    from web.cli import cli

    posts = _site(tmp_path)
    words = tmp_path / "words.txt"
    words.write_text("ほげふが製法,ホゲフガセイホウ\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["reindex", "--posts", str(posts), "--index", str(tmp_path / "index"),
                                      "--dictionary", str(words), "--full"])
    assert result.exit_code == 0, result.output
    dictionary = current_generation(tmp_path / "index") / "userdic.csv"
    assert "ほげふが製法" in dictionary.read_text(encoding="utf-8")
    assert [m.surface for m in morphemes("ほげふが製法", str(dictionary)) if not m.piece] == ["ほげふが製法"]


def test_a_word_list_line_with_more_fields_is_reported_and_skipped(tmp_path):
    from search.indexing.generations import current_generation
    from web.cli import cli

    posts = _site(tmp_path)
    words = tmp_path / "words.txt"
    words.write_text("# words\nほげふが製法,ホゲフガセイホウ\nぴよ製法,ピヨ,extra\n,ヨミ\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["reindex", "--posts", str(posts), "--index", str(tmp_path / "index"),
                                      "--dictionary", str(words)])
    assert result.exit_code == 0, result.output
    assert f"Warning: {words}:3: 3 fields where 'word' or 'word,READING' is expected: line skipped" in result.output
    assert f"Warning: {words}:4: no word before the comma: line skipped" in result.output
    dictionary = (current_generation(tmp_path / "index") / "userdic.csv").read_text(encoding="utf-8")
    assert "ほげふが製法" in dictionary and "ぴよ製法" not in dictionary
