# The two set-up commands of the README live here, so CI (.ci/run) runs exactly what a developer runs.
#   make demo   install narrate into .venv and narrate the bundled example into feeds/world-news/
#   make test   install narrate with its test dependencies into .venv and run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo test install install-test lint chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python chromium
	$(BIN)/pip install -q -e '.[test]'

# The browser tests drive Debian's chromium; Playwright's own browser download is never used.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "install Debian's chromium (apt-get install chromium) for the browser tests"; exit 1; }

demo: install
	$(BIN)/narrate article examples/nationpress-coupang-breach.txt --feed world-news

lint: install-test
	$(BIN)/ruff check narrate tests bench
	$(BIN)/mypy

test: install-test lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)
