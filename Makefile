# Quick start (a fresh machine with Python 3.11):
#   make serve   set up, reindex the bundled sample posts, serve on http://127.0.0.1:5000
#                (another port: make serve PORT=8000)
#   make test    set up (test extras, Debian's chromium for browser tests) and run the tests
PYTHON ?= python3
PORT ?= 5000
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup setup-test serve reindex test test-fast bench clean

$(BIN)/kensaku: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

setup: $(BIN)/kensaku

setup-test: setup
	$(BIN)/pip install --quiet -e '.[test]'
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq chromium >/dev/null); \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; fi; }
	@fc-list :lang=ja 2>/dev/null | grep -q . || { \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null); \
	  else echo "Readable Japanese screenshots need: sudo apt-get install fonts-noto-cjk"; fi; }

serve: setup
	$(BIN)/kensaku reindex
	$(BIN)/kensaku serve --port $(PORT)

reindex: setup
	$(BIN)/kensaku reindex

test: setup-test
	$(BIN)/python -m pytest -q

bench: setup-test
	$(BIN)/python -m bench.indexing
	$(BIN)/python -m bench.latency
	$(BIN)/python -m bench.variants
	@command -v wrk >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null; \
	  else echo "The HTTP benchmark needs wrk: sudo apt-get install wrk"; fi; }
	$(BIN)/python -m bench.http
	cd bench/relevance && npm ci --silent
	$(BIN)/python -m bench.relevance

clean:
	rm -rf $(VENV) index/gen-* index/current .pytest_cache
