# Samverka — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# make bench: the generated database (filled once by `samverka bench generate`, then reused)
SAMVERKA_BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/samverka_bench
BENCH_SCALE ?= national
export SAMVERKA_BENCH_DATABASE_URL

.DEFAULT_GOAL := help
.PHONY: help install run test lint format messages bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS=":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,postgres,redis]'
	@touch $@

install: $(STAMP) ## Create .venv and install the project with its tools
	$(BIN)/pybabel compile -d src/samverka/locale -D django > /dev/null

run: install ## Migrate, load demo data on the first run, serve on http://$${HOST:-127.0.0.1}:$${PORT:-8000} with the worker
	$(BIN)/samverka run

test: install ## Lint, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install ## Extract translatable strings into the Swedish catalogue (needs GNU gettext)
	cd src/samverka && ../../$(BIN)/samverka makemessages -l sv --no-obsolete --no-location

bench: install ## Generate the national data once, then the benchmarks (pages, load, imports, indicators, feeds, network, matching, search); results appended to docs/benchmarks.md
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,postgres,redis,bench]'
	$(BIN)/python bench/common.py ensure-database
	SAMVERKA_DATABASE_URL=$(SAMVERKA_BENCH_DATABASE_URL) $(BIN)/samverka bench generate --scale $(BENCH_SCALE)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/indicators_import.py
	SAMVERKA_BENCH_PG=1 $(BIN)/python bench/indicators_query.py
	$(BIN)/python bench/feeds_poll.py
	$(BIN)/python bench/network_stats.py
	SAMVERKA_BENCH_PG=1 $(BIN)/python bench/matching.py
	SAMVERKA_BENCH_PG=1 $(BIN)/python bench/search.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/load.py --no-page-cache
	$(BIN)/python bench/load.py --no-page-cache --workers 2 --wait 0 0

clean: ## Remove .venv and caches (keeps var/, the data)
	rm -rf $(VENV) .pytest_cache .ruff_cache build src/*.egg-info
