"""A damaged index (files of the generation being served truncated, zeroed, garbled or deleted)
is named, never served as a 500: the app answers 503 with the documented message and logs what
is broken, ``kensaku reindex`` rebuilds it and says why, ``kensaku serve`` starts and says what
to run; a reindex the file system stops ends with one line (issue 13)."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from search.errors import DamagedIndexError
from search.indexing.generations import FILES_KEY, METADATA_FILE, current_generation, read_metadata
from search.indexing.index import open_index
from search.indexing.integrity import generation_problems
from search.indexing.rebuild import rebuild_index
from search.indexing.update import DAMAGED, update_index
from search.querying.searcher import search_posts
from web import create_app
from web.cli import cli
from web.errors import INDEX_ERROR_MESSAGES

#: Requests that read the index: JSON under /api/, the error page elsewhere.
READING_URLS = ["/api/search?q=東京", "/api/suggest?q=とう", "/api/related?id=2024-05-20-python-tips.md",
                "/search?q=ラーメン", "/search?tag=Python"]


@pytest.fixture(scope="module")
def built(tmp_path_factory, posts_dir) -> Path:
    """An index of the test posts, built once; tests damage copies of it (:func:`copy_index`)."""
    index = tmp_path_factory.mktemp("built") / "index"
    rebuild_index(posts_dir, index, jobs=1)
    return index


def copy_index(built: Path, target: Path) -> tuple[Path, Path]:
    """A copy of ``built`` at ``target``: (index directory, its current generation)."""
    shutil.copytree(built, target, symlinks=True)
    return target, current_generation(target)


def damage(path: Path, kind: str, at: float = 0.5) -> None:
    """Damage one file: ``truncate`` it at ``at`` of its length, ``zero`` or ``garble`` its bytes
    from there on (same size), or ``delete`` it."""
    size = path.stat().st_size
    start = min(int(size * at), max(size - 1, 0))
    if kind == "delete":
        path.unlink()
    elif kind == "truncate":
        os.truncate(path, start)
    else:
        data = bytearray(path.read_bytes())
        for i in range(start, size):
            data[i] = 0 if kind == "zero" else data[i] ^ 0xA5
        path.write_bytes(bytes(data))


def whoosh_files(generation: Path) -> list[str]:
    return sorted(p.name for p in generation.iterdir() if p.suffix in (".seg", ".toc"))


def assert_503(index: Path, caplog) -> None:
    client = create_app({"TESTING": True, "INDEX_DIR": str(index), "ANALYTICS": False}).test_client()
    for url in READING_URLS:
        with caplog.at_level(logging.WARNING):
            response = client.get(url)
        assert response.status_code == 503, (url, response.status_code, response.get_data(as_text=True)[:300])
        if url.startswith("/api/"):
            assert response.get_json() == {"ok": False, "status": 503,
                                           "error": INDEX_ERROR_MESSAGES[DamagedIndexError]}
        else:
            assert INDEX_ERROR_MESSAGES[DamagedIndexError] in response.get_data(as_text=True)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "is damaged" in caplog.text and "kensaku reindex" in caplog.text
    assert client.get("/").status_code == 200  # the home page: the query box alone


@pytest.mark.parametrize("kind", ["truncate", "zero", "garble", "delete"])
@pytest.mark.parametrize("which", ["segment", "toc", "posts.json", METADATA_FILE])
def test_a_damaged_file_is_named_and_answered_503_then_rebuilt(built, posts_dir, tmp_path, caplog, kind, which):
    index, generation = copy_index(built, tmp_path / "index")
    names = whoosh_files(generation)
    name = {"segment": next(n for n in names if n.endswith(".seg")),
            "toc": next(n for n in names if n.endswith(".toc"))}.get(which, which)
    damage(generation / name, kind)
    assert_503(index, caplog)
    assert name in caplog.text

    stats = update_index(posts_dir, index, jobs=1)
    assert not stats.incremental and stats.rebuilt_because.startswith(DAMAGED)
    assert name in stats.rebuilt_because and name in stats.summary()
    assert current_generation(index) != generation and generation_problems(current_generation(index)) == []
    assert search_posts(open_index(index), "東京").total == 1
    again = update_index(posts_dir, index, jobs=1)
    assert again.incremental and "up to date" in again.summary()


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["truncate", "zero", "garble", "delete"]), file_index=st.integers(0, 20),
       at=st.floats(0, 0.999))
def test_any_damage_to_any_recorded_file_is_found(built, tmp_path_factory, kind, file_index, at):
    """Whatever recorded file is damaged, wherever: the check names it and the index refuses to open."""
    index, generation = copy_index(built, tmp_path_factory.mktemp("any") / "index")
    names = sorted(read_metadata(generation)[FILES_KEY])
    name = names[file_index % len(names)]
    damage(generation / name, kind, at)
    if (generation / name).exists() and (generation / name).read_bytes() == (built / generation.name / name).read_bytes():
        return  # garbling nothing (an empty tail) damages nothing
    assert any(name in problem for problem in generation_problems(generation))
    with pytest.raises(DamagedIndexError, match="kensaku reindex"):
        open_index(index)


def test_damage_while_serving_answers_503(built, tmp_path, caplog):
    """A segment truncated under a server that already opened it: searches fail inside Whoosh,
    the check then finds the damage, and the answer is 503, not 500."""
    index, generation = copy_index(built, tmp_path / "index")
    client = create_app({"TESTING": True, "INDEX_DIR": str(index), "ANALYTICS": False}).test_client()
    assert client.get("/api/search?q=東京").status_code == 200
    segment = generation / next(n for n in whoosh_files(generation) if n.endswith(".seg"))
    os.truncate(segment, 0)
    statuses = {client.get(f"/api/search?q={word}").status_code for word in ("札幌", "形態素", "内包表記")}
    assert statuses == {503}
    assert_503(index, caplog)


def test_an_index_written_before_files_were_recorded_is_checked_by_opening_it(built, posts_dir, tmp_path, caplog):
    index, generation = copy_index(built, tmp_path / "index")
    metadata = read_metadata(generation)
    del metadata[FILES_KEY]
    (generation / METADATA_FILE).write_text(json.dumps(metadata), encoding="utf-8")
    assert generation_problems(generation) == []
    toc = generation / next(n for n in whoosh_files(generation) if n.endswith(".toc"))
    damage(toc, "truncate", 0.01)  # Whoosh raised struct.error from here
    assert "Whoosh cannot open it" in generation_problems(generation)[0]
    assert_503(index, caplog)
    assert update_index(posts_dir, index, jobs=1).rebuilt_because.startswith(DAMAGED)


def test_reindex_says_it_rebuilt_a_damaged_index(runner, built, posts_dir, tmp_path):
    index, generation = copy_index(built, tmp_path / "index")
    damage(generation / next(n for n in whoosh_files(generation) if n.endswith(".seg")), "zero")
    result = runner.invoke(cli, ["reindex", "--posts", str(posts_dir), "--index", str(index), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "rebuilt every post because the index in use is damaged" in result.output
    assert "Index up to date" not in result.output


def test_serve_starts_on_a_damaged_index_and_says_what_to_run(runner, built, posts_dir, tmp_path, monkeypatch):
    index, generation = copy_index(built, tmp_path / "index")
    damage(generation / next(n for n in whoosh_files(generation) if n.endswith(".toc")), "truncate", 0.01)
    served = []
    monkeypatch.setattr("web.server.serve_waitress", lambda app, *args: served.append(app))
    result = runner.invoke(cli, ["serve", "--posts", str(posts_dir), "--index", str(index), "--port", "0"])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "is damaged" in result.output and "run `kensaku reindex`" in result.output
    assert served and served[0].test_client().get("/api/search?q=東京").status_code == 503


def _fail_writes(monkeypatch, error: int) -> None:
    """Make the reindex's first durable write fail as a full disk or read-only folder does."""
    def fail(path, text):
        raise OSError(error, os.strerror(error), str(path))
    monkeypatch.setattr("search.indexing.generations.write_file_durably", fail)


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EROFS])
@pytest.mark.parametrize("full", [True, False])
def test_a_reindex_the_disk_stops_ends_with_one_line_and_keeps_the_index(runner, built, make_posts_dir, tmp_path,
                                                                         monkeypatch, error, full):
    index, generation = copy_index(built, tmp_path / "index")
    posts = make_posts_dir(tmp_path / "posts")
    (posts / "2024-07-01-new.md").write_text("---\ntitle: 新しい記事\ndate: 2024-07-01\n---\n本文\n", encoding="utf-8")
    _fail_writes(monkeypatch, error)
    args = ["reindex", "--posts", str(posts), "--index", str(index), "--jobs", "1"] + (["--full"] if full else [])
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and os.strerror(error) in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: The reindex stopped")
    assert current_generation(index) == generation and generation_problems(generation) == []
    assert sorted(p.name for p in index.glob("gen-*")) == [generation.name]  # nothing left behind


def test_serve_with_no_index_on_a_read_only_place_ends_with_one_line(runner, posts_dir, tmp_path):
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    if os.access(read_only, os.W_OK):  # root writes anyway: use a place even root cannot write
        read_only = Path("/sys")
        try:
            (read_only / "kensaku-test").mkdir()
        except OSError:
            pass
        else:
            (read_only / "kensaku-test").rmdir()
            pytest.skip("no read-only place to try")
    result = runner.invoke(cli, ["serve", "--posts", str(posts_dir), "--index", str(read_only / "index"),
                                 "--port", "0"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: The reindex stopped") and str(read_only) in last
