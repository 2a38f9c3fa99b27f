# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make demo   # create .venv, install pinned dependencies, run the pipeline on the sample edition
#   make test   # the same environment, then the test suite (this is what .ci/run runs)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Prefect's anonymous analytics cause "database is locked" noise on the local SQLite (PITFALLS.md).
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install demo test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c "import sys; assert sys.version_info >= (3, 11), sys.version" || { echo "newsprism needs Python 3.11+ (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	# The pip that ships with 3.11 mis-resolves some extras (PITFALLS.md); upgrade it first.
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

demo: install
	$(BIN)/newsprism demo

test: install
	$(BIN)/python -m pytest -q

# Benchmarks are run by hand; the peers they compare against are an optional, pinned extra.
bench: install
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	$(BIN)/python benchmarks/fetch.py
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/alignment.py
	$(BIN)/python benchmarks/views.py
	$(BIN)/python benchmarks/pipeline.py

clean:
	rm -rf $(VENV) newsprism.duckdb newsprism.duckdb.wal archive sample/edition.warc.gz
