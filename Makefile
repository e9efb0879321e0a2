# The set-up commands of the README live here, so CI (.ci/run) runs exactly what a developer runs.
#   make demo   install narrate into .venv and narrate the bundled example into feeds/world-news/
#   make check  while developing: the same install, ruff, mypy, and the fast selection of the tests
#               (pytest -n auto -m "not slow and not model and not browser": about 50 s on 2 cores)
#   make test   CI: the same install, ruff, mypy, and every test, slow, model and browser ones included
# Tests that take more than about 2 s are marked `slow` (see the markers in pyproject.toml), so `make check`
# stays fast; they still run in `make test`. Extra pytest arguments go in PYTEST_ARGS, e.g.
# make check PYTEST_ARGS="--durations=25" to see what has become slow.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
FAST := not slow and not model and not browser

.PHONY: demo check test install install-test lint chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

# Tests cover the optional Coqui engine too. PyTorch comes first, from the CPU wheel these machines keep on
# disk (a plain `torch` would pull GBs of CUDA). PyPI's torchaudio is built for CUDA torch: its compiled
# kernels cannot load beside the CPU torch, and Coqui's synthesis never calls them, so they are removed and
# torchaudio imports as pure Python.
install-test: $(BIN)/python chromium
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test,coqui,dask]'
	$(BIN)/python -c "import importlib.util, pathlib; \
	    [p.unlink() for p in (pathlib.Path(importlib.util.find_spec('torchaudio').origin).parent / 'lib').glob('*.so')]"

# The browser tests drive Debian's chromium; Playwright's own browser download is never used.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| { echo "install Debian's chromium (apt-get install chromium) for the browser tests"; exit 1; }

demo: install
	$(BIN)/python -m narrate.script.build
	$(BIN)/narrate article examples/nationpress-coupang-breach.txt --feed world-news

lint: install-test
	$(BIN)/ruff check narrate tests bench
	$(BIN)/mypy

test: install-test lint
	$(BIN)/python -m narrate.script.build
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: install-test lint
	$(BIN)/python -m narrate.script.build
	$(BIN)/python -m pytest -n auto -m "$(FAST)" $(PYTEST_ARGS)
