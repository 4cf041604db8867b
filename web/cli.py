"""The ``kensaku`` command: ``reindex``, ``serve``, ``query`` and ``stats``, thin wrappers over :mod:`search`.

Each command reads its options (falling back to ``KENSAKU_POSTS_DIR``, ``KENSAKU_INDEX_DIR``,
``KENSAKU_BASE_URL``, then the bundled ``sample_posts/`` and ``index/``), calls one library
function and prints the outcome. Library errors become :class:`click.ClickException` (a message
and exit status 1, never a traceback), as in sqlite-utils. The entry point is
``kensaku = "web.cli:cli"`` in ``pyproject.toml``.
"""

from __future__ import annotations

import html
import json
import os
import re
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import click
from click.core import ParameterSource

from search.errors import DamagedIndexError, IndexNotBuiltError, SearchError, StaleIndexError
from web import DEFAULT_INDEX_DIR, DEFAULT_PER_PAGE, DEFAULT_POSTS_DIR, default_analytics_db

if TYPE_CHECKING:
    from search.indexing.rebuild import IndexStats

# Each command imports what it needs when it runs (the search library, Flask, NumPy, the
# server): `kensaku reindex` of one changed post should not wait ~1 s for modules it never uses.

#: Worker threads of ``kensaku serve`` (each keeps its own Whoosh searcher; they share one Janome tokenizer).
DEFAULT_THREADS = 4
#: ``--sort`` values of ``kensaku query``: the keys of :data:`search.querying.searcher.SORTS` (spelled
#: out so the CLI starts without importing the query engine; a test keeps them equal).
SORT_CHOICES = ("relevance", "newest", "oldest")

_posts_option = click.option(
    "--posts", "posts_dir", envvar="KENSAKU_POSTS_DIR", show_envvar=True,
    type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_POSTS_DIR, show_default=True,
    help="Folder of Markdown posts (searched recursively).")
_index_option = click.option(
    "--index", "index_dir", envvar="KENSAKU_INDEX_DIR", show_envvar=True,
    type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_INDEX_DIR, show_default=True,
    help="Index directory.")
_base_url_option = click.option(
    "--base-url", envvar="KENSAKU_BASE_URL", show_envvar=True, default="",
    help="Site URL prefixed to post URLs, e.g. https://example.com/blog.")
_analytics_db_option = click.option(
    "--analytics-db", envvar="KENSAKU_ANALYTICS_DB", show_envvar=True, default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file of the search counts (on a writable disk: needed when the index directory is "
         "read-only).  [default: one file per blog in INDEX/analytics/]")


@contextmanager
def _library_errors() -> Iterator[None]:
    """Turn the library's errors into a one-line message and exit status 1."""
    try:
        yield
    except SearchError as exc:
        raise click.ClickException(str(exc)) from exc


#: Set by a command whose process may end without Python's teardown (see :class:`_Kensaku`).
_exit_without_teardown = False


class _Kensaku(click.Group):
    """The command group; run as a program (``cli()``), it ends a finished ``kensaku reindex``
    with ``os._exit`` after flushing its output.

    Python's teardown frees every object one by one: after a one-post update (Janome's
    dictionaries, Whoosh, the analysis) that took ~0.3–0.5 s, a quarter of the command, and nothing
    waits for it: the index is committed, fsynced and switched, files closed, the worker
    processes joined, and the reindex lock is released by the kernel. Other commands (``serve``
    with its analytics database, ``--watch``) and in-process callers (``CliRunner`` calls
    :meth:`main`, not this) exit as usual.
    """

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except SystemExit as exc:
            code = 0 if exc.code is None else exc.code
            if not (_exit_without_teardown and isinstance(code, int)):
                raise
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)


@click.group(cls=_Kensaku, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kensaku")
def cli() -> None:
    """kensaku: Japanese full-text search for a folder of Markdown posts."""


@cli.command()
@_posts_option
@_index_option
@_base_url_option
@click.option("--strict", is_flag=True,
              help="Fail (exit 1, index left unchanged) if any post other than a draft is skipped "
                   "(implies --full).")
@click.option("--full", is_flag=True, help="Rebuild the whole index instead of updating changed posts.")
@click.option("--jobs", type=click.IntRange(1), default=None,
              help="Processes running Janome.  [default: one per CPU]")
@click.option("--wait", "wait_s", type=click.FloatRange(0), default=0, show_default=True,
              help="Seconds to wait for a reindex already running, instead of failing at once.")
@click.option("--watch", is_flag=True,
              help="Then keep watching the posts folder and update the index as files change (Ctrl+C stops).")
@click.option("--dictionary", "dictionaries", multiple=True, envvar="KENSAKU_USER_DICTIONARY", show_envvar=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Your own word list for the tokenizer (one word per line, optionally 'word,READING').")
@click.option("--no-base-url", is_flag=True,
              help="Build site-relative post URLs, dropping the base URL the index was built with.")
@click.option("--no-dictionary", is_flag=True,
              help="Drop the word lists the index was built with (--dictionary) from the user dictionary.")
@click.option("--future", is_flag=True, envvar="KENSAKU_FUTURE", show_envvar=True,
              help="Index posts dated in the future too (as `jekyll build --future`, or `future: true` in the "
                   "site's _config.yml); by default they are skipped until their date, as Jekyll does.")
@click.option("--follow-links", is_flag=True, envvar="KENSAKU_FOLLOW_LINKS", show_envvar=True,
              help="Read post files and folders that are symbolic links to places outside the posts folder; "
                   "by default they are skipped and reported.")
@click.option("--allow-shrink", is_flag=True,
              help="Let this reindex drop more than half of the indexed posts (and at least 10) at once; "
                   "by default it refuses and leaves the index as it was (a checkout under way or a deleted "
                   "folder is more likely than deleting that many posts).")
def reindex(posts_dir: Path, index_dir: Path, base_url: str, strict: bool, full: bool, jobs: int | None,
            wait_s: float, watch: bool, dictionaries: tuple[Path, ...], no_base_url: bool,
            no_dictionary: bool, future: bool, follow_links: bool, allow_shrink: bool) -> None:
    """Update the search index: index new and changed posts, drop deleted ones.

    Only posts whose files changed (by content hash) are analyzed; --full rebuilds everything
    (done anyway when the index format or the user dictionary changed). The new index is written
    beside the old one and switched to at once, so a running server keeps answering meanwhile.
    Without --base-url the index keeps the base URL it was built with (--no-base-url drops it),
    and without --dictionary the word lists it was built with, read again (--no-dictionary drops them).
    Drafts (published: false) and posts dated in the future are skipped, as Jekyll does; a post
    skipped for its date is indexed by the first reindex after that date.

    A post that was indexed and whose file cannot be read now (permission denied, an I/O error)
    or is broken (empty, bad front matter: a save half done) keeps its indexed version. A reindex that would drop more than half of the indexed posts
    (and at least 10) at once refuses with exit status 1 unless --allow-shrink; so does one that
    finds no post file at all. See docs/robustness.md.
    """
    global _exit_without_teardown
    if no_base_url:  # beats KENSAKU_BASE_URL, as every option beats the environment
        if base_url and _on_command_line("base_url"):
            raise click.UsageError("--no-base-url and --base-url exclude each other.")
        base_url = ""
    elif not base_url:
        base_url = _kept_base_url(index_dir)
    if no_dictionary:  # beats KENSAKU_USER_DICTIONARY
        if dictionaries and _on_command_line("dictionaries"):
            raise click.UsageError("--no-dictionary and --dictionary exclude each other.")
        dictionaries = ()
    elif not dictionaries:
        dictionaries = _kept_dictionaries(index_dir)
    _warn_about_word_lists(dictionaries)
    if not future:
        from search.posts.render import site_config

        future = site_config(posts_dir).get("future") is True  # as jekyll build reads _config.yml
    stats = build_index(posts_dir, index_dir, base_url, strict=strict, full=full, jobs=jobs, wait_s=wait_s,
                        owner_dictionaries=dictionaries, future=future, follow_links=follow_links,
                        allow_shrink=allow_shrink)
    echo_stats(stats, posts_dir)
    _exit_without_teardown = not watch
    if watch:
        from search.indexing.watch import watch_posts

        with _library_errors():
            watch_posts(posts_dir, index_dir, base_url=base_url, owner_dictionaries=dictionaries, future=future,
                        follow_links=follow_links, allow_shrink=allow_shrink,
                        on_watching=lambda: click.echo(f"Watching {posts_dir} for changes (Ctrl+C stops) ..."),
                        on_update=lambda update: echo_stats(update, posts_dir),
                        on_error=lambda exc: click.echo(f"Error: {escaped(str(exc))} (still watching; the index "
                                                        "being served is unchanged)", err=True))
        click.echo("Stopped watching.")


def _kept_base_url(index_dir: Path) -> str:
    """The base URL ``index_dir`` was built with (``""``: none), announced when there is one."""
    from search.indexing.manifest import indexed_base_url

    base_url = indexed_base_url(index_dir) or ""
    if base_url:
        click.echo(f"Keeping the base URL {base_url} of the index (--no-base-url drops it).")
    return base_url


def _on_command_line(parameter: str) -> bool:
    """Whether the current command's ``parameter`` was given on the command line (not by the environment)."""
    return click.get_current_context().get_parameter_source(parameter) is ParameterSource.COMMANDLINE


def _kept_dictionaries(index_dir: Path) -> tuple[Path, ...]:
    """The owner's word lists ``index_dir`` was built with, announced when there are any.

    :raises click.ClickException: one of them is gone (a reindex without it would drop its words).
    """
    from search.indexing.manifest import indexed_owner_dictionaries

    paths = tuple(indexed_owner_dictionaries(index_dir))
    for path in paths:
        if not path.is_file():
            raise click.ClickException(
                f"The owner dictionary {path} of the index is missing: restore it, give its new place "
                f"with --dictionary, or drop it with --no-dictionary.")
    if paths:
        shown = ", ".join(_shown_path(path) for path in paths)
        one = len(paths) == 1
        click.echo(f"Keeping the owner {'dictionary' if one else 'dictionaries'} {shown} of the index "
                   f"(--no-dictionary drops {'it' if one else 'them'}).")
    return paths


def _shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else as it is."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith(os.pardir) else relative


def _warn_about_word_lists(dictionaries: tuple[Path, ...]) -> None:
    """Warn (on stderr) about each line of the owner's word lists that the dictionary leaves out."""
    from search.analysis.dictionary import word_list_problems

    with _library_errors():
        for path in dictionaries:
            for problem in word_list_problems(Path(_shown_path(path))):
                click.echo(f"Warning: {problem}", err=True)


def build_index(posts_dir: Path, index_dir: Path, base_url: str = "", *,
                strict: bool = False, full: bool = True, jobs: int | None = None,
                wait_s: float = 0, owner_dictionaries: tuple[Path, ...] = (), future: bool = False,
                follow_links: bool = False, allow_shrink: bool = False) -> IndexStats:
    """Rebuild or update the index, with a progress bar when run on a terminal.

    :param strict: load every post first and refuse to touch the index if any file would be
        skipped other than a post Jekyll would not publish (a draft, a post dated in the future);
        then rebuild.
    :param full: rebuild everything; False updates only what changed (:func:`update_index`).
    :param jobs: most processes running Janome (None: one per CPU).
    :param wait_s: seconds to wait for a reindex already running.
    :param owner_dictionaries: the site owner's word lists for the user dictionary.
    :param future: index posts dated in the future too (else they are skipped until their date).
    :param follow_links: read post files linked in from outside the posts folder too.
    :param allow_shrink: let the reindex drop a large share of the indexed posts at once.
    :raises click.ClickException: the posts folder is missing, ``strict`` found broken posts or
        no post file, the folder holds no post file while the index holds posts, or the reindex
        would drop a large share of them (the index is left as it was), another reindex is
        running, or any other :class:`SearchError`.
    """
    from search.indexing.generations import indexed_post_count
    from search.indexing.rebuild import rebuild_index
    from search.indexing.update import update_index
    from search.posts.reader import SkippedPost, check_posts_dir, find_post_files, load_posts

    with _library_errors():
        try:
            if strict:
                posts = list(load_posts(posts_dir, base_url, future=future, follow_links=follow_links))
                total = len(posts)
                broken = [p for p in posts if isinstance(p, SkippedPost) and not p.unpublished]
                if broken:
                    for skipped in broken:
                        click.echo(f"  {_shown_post(skipped.path, posts_dir)}: {escaped(skipped.reason)}", err=True)
                    raise click.ClickException(
                        f"{len(broken)} post(s) could not be indexed (--strict); the index was not changed.")
                if not posts:
                    kept = indexed_post_count(index_dir)
                    raise click.ClickException(
                        f"No post files found in {posts_dir} (--strict); the index was not changed"
                        + (f" and keeps its {kept} posts." if kept else "."))
            elif full:
                posts = None
                total = len(find_post_files(posts_dir, follow_links=follow_links))
            else:  # an update lists the files itself: only check the folder here
                check_posts_dir(posts_dir)
        except FileNotFoundError as exc:
            raise click.ClickException(str(exc)) from exc
        with _write_errors():
            if not full and not strict:
                with _progress_bar(None, "Indexing changed posts") as progress:
                    return update_index(posts_dir, index_dir, base_url=base_url, jobs=jobs, wait_s=wait_s,
                                        owner_dictionaries=owner_dictionaries, progress=progress, future=future,
                                        follow_links=follow_links, allow_shrink=allow_shrink)
            with _progress_bar(total, "Indexing") as progress:
                return rebuild_index(posts_dir, index_dir, base_url=base_url, jobs=jobs, wait_s=wait_s,
                                     owner_dictionaries=owner_dictionaries, progress=progress, posts=posts,
                                     future=future, follow_links=follow_links, allow_shrink=allow_shrink)


@contextmanager
def _write_errors() -> Iterator[None]:
    """End a reindex the file system stops (disk full, a read-only folder) with one line, not a
    traceback: the reindex removed what it wrote, and the index in use is as it was."""
    try:
        yield
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        raise click.ClickException(
            f"The reindex stopped ({exc.strerror or exc}{where}); the index in use (if any) was left as it "
            f"was. Free some space or make the folder writable, then reindex."
        ) from exc


@contextmanager
def _progress_bar(total: int | None, description: str) -> Iterator[Callable[[object], None] | None]:
    """A callback advancing a tqdm bar by one post, on a terminal; None elsewhere (tqdm is not
    even imported then: ~0.1 s of a one-post update run from a script)."""
    if not _on_terminal():
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="post", desc=description) as bar:
        yield lambda item: bar.update()


def prepare_index(posts_dir: Path, index_dir: Path, base_url: str) -> str | None:
    """Make ``index_dir`` ready to serve, as ``serve`` does before listening: build it when it is
    missing or of an older format, and reindex when ``base_url`` is given and differs from the
    one its post URLs were built with (which rebuilds it; an empty ``base_url`` keeps the index's).
    A reindex keeps the owner's word lists the index was built with. A damaged index
    (:class:`~search.errors.DamagedIndexError`) is left for ``kensaku reindex``, named on stderr.

    :returns: the index's user dictionary (path), to preload Janome with; None for none or a
        damaged index.
    """
    from search.indexing.index import open_index
    from search.indexing.manifest import indexed_base_url

    try:
        open_index(index_dir)
        if base_url and indexed_base_url(index_dir) != base_url:
            click.echo(f"{index_dir} was built for another base URL: reindexing {posts_dir} for {base_url} ...")
            echo_stats(build_index(posts_dir, index_dir, base_url, owner_dictionaries=_kept_dictionaries(index_dir)),
                       posts_dir)
    except (IndexNotBuiltError, StaleIndexError) as exc:
        state = "has an older format" if isinstance(exc, StaleIndexError) else "holds no index yet"
        click.echo(f"{index_dir} {state}: building it from {posts_dir} ...")
        echo_stats(build_index(posts_dir, index_dir, base_url, owner_dictionaries=_kept_dictionaries(index_dir)),
                   posts_dir)
    except DamagedIndexError as exc:  # serve all the same: pages say so (503) until a reindex
        click.echo(f"Warning: {exc} Searches answer 503 until then.", err=True)
        return None
    return open_index(index_dir).dictionary


def echo_stats(stats: IndexStats, posts_dir: Path) -> None:
    """Print the summary line, then each skipped post with its reason, each unreadable post kept as
    indexed, and (on stderr) each warning about an indexed post; warn when the posts folder held
    no post file at all. File names and reasons are printed with control characters escaped
    (:func:`escaped`): a file name cannot send terminal escapes."""
    click.echo(stats.summary())
    if not (stats.indexed or stats.unchanged or stats.skipped):
        click.echo(f"Warning: no post files found in {posts_dir}: the index is empty.", err=True)
    if stats.skipped:
        click.echo("Skipped:")
        for skipped in stats.skipped:
            click.echo(f"  {_shown_post(skipped.path, posts_dir)}: {escaped(skipped.reason)}")
    if stats.kept:
        click.echo("Kept as indexed (the file could not be read or is broken; reindex once it is fixed):")
        for kept in stats.kept:
            click.echo(f"  {_shown_post(kept.path, posts_dir)}: {escaped(kept.reason)}")
    for path, warning in getattr(stats, "warnings", ()):
        click.echo(f"Warning: {_shown_post(path, posts_dir)}: {escaped(warning)}", err=True)


@cli.command()
@_posts_option
@_index_option
@_base_url_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port (0: any free port).")
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1),
              help="Threads per worker process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1),
              help="Worker processes (gunicorn; one per CPU core uses them all). 1: one waitress process.")
@click.option("--cors-origin", "cors_origins", multiple=True, envvar="KENSAKU_CORS_ORIGINS", show_envvar=True,
              help="Origin whose pages may call /api/* (the embeddable search box), e.g. "
                   "https://blog.example.com; repeat for several, '*' for any.")
@_analytics_db_option
@click.option("--no-analytics", is_flag=True, help="Do not count searches.")
@click.option("--site-name", envvar="KENSAKU_SITE_NAME", show_envvar=True, default=None,
              help="Your blog's name, in the page header and title.  [default: title in the _config.yml "
                   "beside the posts folder]")
@click.option("--site-url", envvar="KENSAKU_SITE_URL", show_envvar=True, default=None,
              help="Your blog's address, which the name in the header links to.  [default: url + baseurl "
                   "in _config.yml, else the base URL]")
@click.option("--css", "css", envvar="KENSAKU_CSS", show_envvar=True, default=None,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Your own stylesheet, linked after kensaku's (its rules win).")
@click.option("--templates", "templates", envvar="KENSAKU_TEMPLATES", show_envvar=True, default=None,
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Folder of your own templates (_header.html, _footer.html, _head.html, or any of "
                   "web/templates/), used instead of the shipped ones of the same name.")
@click.option("--public-url", envvar="KENSAKU_PUBLIC_URL", show_envvar=True, default="",
              help="URL readers reach this server at, e.g. https://search.example.com (behind a proxy), for "
                   "the absolute URLs of /opensearch.xml.  [default: the address listened on]")
def serve(posts_dir: Path, index_dir: Path, base_url: str, host: str, port: int, threads: int, workers: int,
          cors_origins: tuple[str, ...], analytics_db: Path | None, no_analytics: bool, site_name: str | None,
          site_url: str | None, css: Path | None, templates: Path | None,
          public_url: str) -> None:
    """Serve the search pages and JSON API: waitress in one process, or gunicorn with --workers.

    Builds the index first when there is none (or one of an older format). Searches are counted
    per query (no IP address, user agent or cookie is kept): see `kensaku stats`. The index
    directory may be read-only (built elsewhere and copied here): nothing is written to it, and
    searches are counted only in an --analytics-db file on a writable disk.
    """
    from search.analysis.janome_tokenizers import preload_janome
    from web.server import serve_gunicorn, serve_waitress

    dictionary = prepare_index(posts_dir, index_dir, base_url)
    origins = [o for value in cors_origins for o in value.split(",") if o.strip()]
    config = {"POSTS_DIR": str(posts_dir), "INDEX_DIR": str(index_dir), "BASE_URL": base_url,
              "CORS_ORIGINS": origins, "ANALYTICS": not no_analytics,
              "PUBLIC_URL": public_url}
    for key, value in (("ANALYTICS_DB", analytics_db), ("SITE_NAME", site_name), ("SITE_URL", site_url),
                       ("CSS", css), ("TEMPLATES", templates)):
        if value:
            config[key] = str(value)
    if config["ANALYTICS"]:
        config["ANALYTICS"] = _analytics_writable(analytics_db or default_analytics_db(index_dir))
    if workers == 1:
        serve_waitress(_started_app(config), host, port, threads)
    else:
        serve_gunicorn(lambda: _started_app(config), host, port, threads, workers,
                       preload=lambda: preload_janome(dictionary))


def _analytics_writable(path: Path) -> bool:
    """Whether searches can be counted in ``path`` (its folder exists or can be made, and is
    writable); says why not on stderr. A read-only index directory (a copy built elsewhere) is
    served without counting unless ``--analytics-db`` points to a writable place."""
    folder = path.parent
    # SQLite writes a -wal and -shm file beside the database: its folder must be writable too.
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if os.access(existing, os.W_OK | os.X_OK) and (not path.exists() or os.access(path, os.W_OK)):
        return True
    target = path if path.exists() else existing
    click.echo(f"Warning: {target} is not writable: searches are not counted. Give --analytics-db "
               f"FILE (or KENSAKU_ANALYTICS_DB) on a writable disk to count them.", err=True)
    return False


def _started_app(config: dict):
    """The app, with its index opened and its suggestion caches being built."""
    from web import create_app
    from web.views import get_index

    app = create_app(config)
    with app.app_context():
        try:
            get_index()
        except SearchError as exc:  # named by prepare_index; every search answers 503 and logs it
            app.logger.warning("%s", exc)
    return app


@cli.command()
@click.argument("words", nargs=-1, required=True, metavar="TEXT...")
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the JSON that /api/search returns.")
@click.option("--page", default=1, show_default=True, type=int, help="1-based page number.")
@click.option("--per-page", default=DEFAULT_PER_PAGE, show_default=True, type=int, help="Hits per page.")
@click.option("--sort", default="relevance", show_default=True, type=click.Choice(SORT_CHOICES),
              help="Order of the hits.")
def query(words: tuple[str, ...], index_dir: Path, as_json: bool, page: int, per_page: int,
          sort: str) -> None:
    """Search the index from the shell; several TEXT arguments are one query, joined by spaces.

    \b
    Examples:
      kensaku query 形態素解析
      kensaku query '"全文検索" OR tag:Python' --sort newest --json
    """
    from search.indexing.index import open_index
    from web.views import search_payload

    q = _replace_surrogates(" ".join(words)).strip()
    if not q:
        raise click.UsageError("The query is empty.")
    with _library_errors():
        payload = search_payload(open_index(index_dir), q, page=page, per_page=per_page, sort=sort)
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        echo_results(payload, ansi=sys.stdout.isatty() and not os.environ.get("NO_COLOR"))


@cli.command()
@_index_option
@click.option("--analytics-db", "analytics_dbs", multiple=True, envvar="KENSAKU_ANALYTICS_DB", show_envvar=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite file of the search counts; repeat to report several servers' files together.  "
                   "[default: the file of the blog the index holds, in INDEX/analytics/]")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1), help="Rows in each list.")
@click.option("--days", default=None, type=click.IntRange(1), help="Only the last N days.  [default: all]")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--forget-before", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First delete the counts of days before this date (YYYY-MM-DD).")
def stats(index_dir: Path, analytics_dbs: tuple[Path, ...], limit: int, days: int | None, as_json: bool,
          forget_before) -> None:
    """What readers search for, and what they search for but do not find.

    Prints the most frequent queries and the most frequent queries that found no post, from the
    counts `kensaku serve` keeps (normalized queries only: no IP address, user agent or cookie),
    for the blog the index holds now (each blog indexed into the same directory counts apart).
    """
    import tempfile

    from search.assist.analytics import QueryLog

    paths = list(analytics_dbs) or [default_analytics_db(index_dir)]
    logs = [QueryLog(path) for path in paths]
    try:
        if forget_before is not None:
            removed = sum(log.forget_before(forget_before.date()) for log in logs)
            click.echo(f"Forgot {removed} day-and-query count(s) before {forget_before.date().isoformat()}.",
                       err=as_json)
        if len(logs) == 1:
            report = logs[0].report(limit=limit, days=days)
        else:
            with tempfile.TemporaryDirectory() as folder:
                merged = QueryLog(Path(folder) / "merged.sqlite3")
                try:
                    for path in paths:
                        if not path.is_file():
                            raise click.ClickException(f"{path}: no such counts file.")
                        merged.add_counts_from(path)
                    report = merged.report(limit=limit, days=days)
                finally:
                    merged.close()
    except sqlite3.Error as exc:
        raise click.ClickException(f"Cannot read the search counts: {exc}") from exc
    finally:
        for log in logs:
            log.close()
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    period = f"since {report.since.isoformat()}" if report.since else "all days"
    click.echo(f"{report.searches} searches ({period}), {report.zero_results} found nothing, "
               f"{report.distinct_queries} different queries.")
    for heading, rows, column in (("Top queries", report.top_queries, "searches"),
                                  ("Top queries with no results", report.top_zero_queries, "zero_results")):
        click.echo("")
        click.echo(f"{heading}:")
        if not rows:
            click.echo("  (none)")
        width = max((len(str(getattr(row, column))) for row in rows), default=1)
        for row in rows:
            click.echo(f"  {getattr(row, column):>{width}}  {_plain(row.query)}")


def echo_results(payload: dict, *, ansi: bool = False) -> None:
    """Print a :func:`search_payload` body as a readable list.

    :param ansi: show matches in ANSI bold (for a terminal) instead of 【】.
    """
    from web.views import LIMITED_NOTE, MATCH_MODE_NOTES

    total, page, page_count = payload["total"], payload["page"], payload["page_count"]
    click.echo(f"「{_plain(payload['query'])}」 {total}件"
               + (f"（{page}/{page_count}ページ）" if page_count > 1 else ""))
    if payload["match_mode"] in MATCH_MODE_NOTES:
        click.echo(MATCH_MODE_NOTES[payload["match_mode"]])
    if payload.get("limited"):
        click.echo(LIMITED_NOTE)
    if payload.get("did_you_mean"):
        click.echo(f"もしかして: {_plain(payload['did_you_mean'])}")
    if total and not payload["hits"]:
        click.echo("このページに表示する結果はありません。")
    first = (page - 1) * payload["per_page"] + 1
    for number, hit in enumerate(payload["hits"], start=first):
        click.echo("")
        click.echo(f"{number}. {marks_to_text(hit['title_html'], ansi=ansi) or '（無題）'}")
        if hit["url"]:
            click.echo(f"   {_plain(hit['url'])}")
        meta = [hit["date"][:10]] if hit["date"] else []
        if hit["tags"]:
            meta.append("タグ: " + ", ".join(_plain(tag) for tag in hit["tags"]))
        if meta:
            click.echo("   " + "  ".join(meta))
        if hit["snippet_html"]:
            click.echo(f"   {marks_to_text(hit['snippet_html'], ansi=ansi)}")


_MARK_TAG = re.compile(r"(</?mark>)")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def marks_to_text(html_text: str, *, ansi: bool = False) -> str:
    """Escaped HTML with ``<mark>`` → plain text, matches in 【】 (or ANSI bold when ``ansi``).

    Control characters from the posts are removed, so a post cannot send terminal escapes.
    """
    opening, closing = ("\x1b[1m", "\x1b[22m") if ansi else ("【", "】")
    parts = []
    for part in _MARK_TAG.split(html_text):
        if part == "<mark>":
            parts.append(opening)
        elif part == "</mark>":
            parts.append(closing)
        else:
            parts.append(_plain(html.unescape(part)))
    return "".join(parts).replace("\n", " ")


def _plain(text: str) -> str:
    return _CONTROL_CHARS.sub("", text)


def _replace_surrogates(text: str) -> str:
    """Lone surrogates (undecodable bytes in ``argv``) → U+FFFD, as the web app decodes them."""
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


#: What :func:`escaped` writes as an escape: C0 and C1 controls, DEL, the bidi formatting
#: characters (they reorder the rest of a terminal line), and lone surrogates (undecodable bytes
#: of a file name, which a terminal's encoding cannot print).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def escaped(text: str) -> str:
    """``text`` with :data:`_UNPRINTABLE` characters as Python escapes (``\\x1b``, ``\\u202e``), so a
    file name like ``evil\\x1b]0;PWNED\\x07.md`` is shown, not obeyed, by the terminal."""
    return _UNPRINTABLE.sub(lambda m: _escape(ord(m.group(0))), text)


def _escape(code: int) -> str:
    return {9: "\\t", 10: "\\n", 13: "\\r"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def _shown_post(path: Path, base: Path) -> str:
    """A post file as the reindex names it: relative to the posts folder, control characters escaped."""
    return escaped(_relative(path, base))


def _relative(path: Path, base: Path) -> str:
    try:
        return Path(path).relative_to(base).as_posix()
    except ValueError:
        return str(path)


def _on_terminal() -> bool:
    """Whether a progress bar would be seen: stdout and stderr both go to a terminal."""
    return sys.stdout.isatty() and sys.stderr.isatty()


