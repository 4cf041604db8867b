"""The variant benchmark (``python -m bench.variants``): its data file's shape, and its runner on a few groups.

The runner test indexes a handful of groups (seconds) through the real ``rebuild_index`` and
``search_posts``, so the benchmark cannot rot when the search changes; it checks the counting,
not today's recall (which is the benchmark's to report).
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from bench.variants.data import FRAMES, GROUPS_FILE, KINDS, load_groups, parse_line
from bench.variants.measure import measure

MIN_GROUPS = 300


@pytest.fixture(scope="module")
def groups():
    return load_groups(GROUPS_FILE)


def test_the_data_file_has_enough_groups_of_every_kind(groups):
    assert len(groups) >= MIN_GROUPS
    counts = Counter(group.kind for group in groups)
    assert set(counts) == set(KINDS)
    assert min(counts.values()) >= 20


def test_every_group_has_two_positives_a_negative_and_a_source(groups):
    for group in groups:
        assert len(group.positives) >= 2, group.group_id
        assert any(s.as_query for s in group.positives) and any(s.in_posts for s in group.positives), group.group_id
        assert group.negatives, group.group_id
        assert group.source, group.group_id
    assert len({group.group_id for group in groups}) == len(groups)


def test_every_source_is_described_in_the_file_header(groups):
    header = [line for line in GROUPS_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    described = {name for line in header for name in re.findall(r"^#   ([a-z0-9 /-]+):", line)
                 for name in name.split(" / ")}
    assert {group.source for group in groups} <= described


def test_a_groups_spellings_are_distinct_and_absent_from_its_sentences(groups):
    """A spelling written in the sentence around another would be found for the wrong reason."""
    for group in groups:
        texts = [s.text for s in group.spellings]
        assert len(set(texts)) == len(texts), group.group_id
        for text in texts:
            for sentence in (group.sentence, group.negative_sentence):
                assert text not in sentence.replace("{}", "\0"), (group.group_id, text)


def test_a_malformed_line_is_reported_with_its_number():
    with pytest.raises(ValueError, match="line 7"):
        parse_line("k1-01\t1\t申込 | 申し込み\t申し出\tn", 7)
    with pytest.raises(ValueError, match="line 3"):
        parse_line("k1-01\t1\t申込 | 申し込み\t申し出\tno placeholder\tissue-17", 3)


def test_roles_and_frames_are_read():
    group = parse_line("g\t9\t薔薇 | post:{薔薇|ばら} | query:bara\t茨\tadv\tw3c-ruby", 1)
    assert [(s.text, s.in_posts, s.as_query) for s in group.positives] == [
        ("薔薇", True, True), ("{薔薇|ばら}", True, False), ("bara", False, True)]
    assert group.sentence in FRAMES["adv"]
    assert group.post_text(group.negatives[0]) == group.sentence.replace("{}", "茨")


def test_snippet_faults_are_told_apart():
    furigana = parse_line("g\t9\t薔薇 | post:<ruby>薔薇<rt>ばら</rt></ruby> | post:{薔薇|ばら}\t茨\tn\tw3c-ruby", 1)
    ruby, brace = furigana.spellings[1], furigana.spellings[2]
    assert furigana.snippet_fault(ruby, "資料にある<mark>薔薇</mark>の部分") is None
    assert furigana.snippet_fault(ruby, "資料にある<mark>薔薇</mark>ばらの部分") == "reading inline"
    assert furigana.snippet_fault(brace, "{<mark>薔薇</mark>|ばら}の部分") == "reading inline"
    emoji = parse_line("e\t7\t👨\u200d💻 | post:&#x1F468;&#x200D;&#x1F4BB;\t👩\u200d💻\tn\tunicode-emoji-test", 1)
    entity = emoji.spellings[1]
    assert emoji.snippet_fault(entity, "週末<mark>👨\u200d💻</mark>です") is None
    assert emoji.snippet_fault(entity, "週末<mark>👨</mark>\u200d💻です") == "highlight cuts it"
    assert emoji.snippet_fault(entity, "週末です") == "spelling not shown"
    names = parse_line("t\t6\tPython 3 | Python3\tPython 2\tt\ttech-names", 1)
    assert names.snippet_fault(names.spellings[0], "<mark>Python</mark> <mark>3</mark>で書いた") is None
    assert names.snippet_fault(names.spellings[1], "<mark>Python</mark><mark>3</mark>で書いた") is None
    assert names.snippet_fault(names.spellings[1], "<mark>Pyth</mark>on3で書いた") == "highlight cuts it"


def test_the_runner_counts_recall_self_and_false_matches(tmp_path):
    """Hand-made groups whose outcome does not depend on variant handling: the same word written
    twice (found), a word and an unrelated word as its 'spelling' (missed), and a negative
    that is the positive itself in another sentence (a false match)."""
    lines = [
        "t-1\t2\tPython | python\t水族館\t昨日は{}の本を読みました。\tissue-17",
        "t-2\t2\t自転車 | 飛行機\t機関車\tn\tissue-17",
        "t-3\t5\t灯台 | 燈台\t灯台下\t海辺の{}を撮りました。\tissue-17",
    ]
    groups = [parse_line(line, number) for number, line in enumerate(lines, 1)]
    results, timing = measure(groups, workdir=tmp_path)
    two, five = results[2], results[5]
    assert (two.groups, two.queries, five.groups) == (2, 6, 1)
    # t-1: Python finds python's post and the reverse; t-2: 自転車 and 飛行機 find neither.
    assert (two.recall_pairs, two.recall_found) == (4, 2)
    assert ("t-2", "自転車", "飛行機") in two.missed
    assert (two.self_pairs, two.self_found) == (4, 4)
    # 灯台 finds the post of 灯台下 (it holds the word): two false pairs at least, both ways counted.
    assert five.false_pairs == 4 and five.false_found >= 1
    assert any(f[:2] == ("t-3", "灯台") and f[2].startswith("灯台下") for f in five.false)
    assert two.snippet_pairs == five.snippet_pairs == 0  # snippets are checked for kinds 6, 7 and 9 only
    assert timing["posts"] == 9


def test_every_kind_runs_through_the_real_search(tmp_path, groups):
    """Two groups of each kind go through the index and the searcher without an error, and every
    pair is counted once, as found or as a listed failure."""
    sample = [g for kind in KINDS for g in [g for g in groups if g.kind == kind][:2]]
    results, timing = measure(sample, workdir=tmp_path)
    assert sorted(results) == sorted(KINDS)
    for kind, result in results.items():
        mine = [g for g in sample if g.kind == kind]
        assert result.groups == 2
        assert result.queries == sum(1 for g in mine for s in g.spellings if s.as_query)
        assert len(result.missed) == (result.recall_pairs - result.recall_found) + (result.self_pairs - result.self_found)
        assert len(result.false) == result.false_found
    assert timing["posts"] == sum(1 for g in sample for s in g.spellings if s.in_posts)


def test_docs_keep_other_sections_and_one_block_per_branch(tmp_path, monkeypatch):
    from bench.variants import __main__ as runner

    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\n## Latency\n\nold numbers\n\n## Running the benchmarks\n\nmake bench\n",
                    encoding="utf-8")
    monkeypatch.setattr(runner, "DOCS", docs)
    runner.write_docs(["intro"], "main", ["main table 1"])
    runner.write_docs(["intro"], "variants", ["variants table"])
    runner.write_docs(["intro"], "main", ["main table 2"])
    text = docs.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\n## Latency\n\nold numbers\n\n## Spelling variants")
    assert text.endswith("\n\n## Running the benchmarks\n\nmake bench\n")
    assert text.count(runner.SECTION) == 1 and text.count("### main") == 1
    assert "main table 2" in text and "main table 1" not in text and "variants table" in text
    runner.write_docs(["intro"], "variants", ["variants table 2"])
    text = docs.read_text(encoding="utf-8")
    assert text.endswith("## Running the benchmarks\n\nmake bench\n")
    assert "variants table 2" in text and "main table 2" in text


def test_the_command_checks_the_targets_and_leaves_the_docs_alone_on_a_sample(tmp_path, monkeypatch):
    """``python -m bench.variants --kinds 5 --per-kind 1 --check-targets``: exit 1 exactly when the kind
    misses the issue's targets, results written, no docs written for a sample."""
    from bench.variants import __main__ as runner

    monkeypatch.setattr(runner, "DOCS", tmp_path / "benchmarks.md")
    monkeypatch.setattr(runner, "RESULTS", tmp_path / "results")
    code = runner.main(["--kinds", "5", "--per-kind", "1", "--check-targets"])
    [written] = (tmp_path / "results").glob("variants-*.json")
    results = json.loads(written.read_text(encoding="utf-8"))
    kind = results["kinds"]["5"]
    assert code == (1 if kind["recall"] < runner.TARGET_RECALL or kind["false_rate"] > runner.TARGET_FALSE else 0)
    assert not (tmp_path / "benchmarks.md").exists()
