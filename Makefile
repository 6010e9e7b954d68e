# `make demo` and `make test` work on a fresh clone: each sets up .venv first if needed.
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test install lint audit system-deps bench bench-portal bench-quiz bench-coverage bench-day bench-ratio bench-pages bench-profile bench-round-trips clean

demo: install
	$(BIN)/esafety demo

# As root (a fresh machine, CI), the browser the tests need is installed first.
test: install
	@if [ "$$(id -u)" = 0 ] && [ ! -x /usr/bin/chromium ]; then $(MAKE) system-deps; fi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/esafety check
	$(BIN)/pytest -n auto --dist worksteal

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Debian's Chromium for the browser tests (needs root, as on CI).
system-deps:
	test -x /usr/bin/chromium || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# Known vulnerabilities in the installed packages (pip-audit, against PyPI). Fails on any, and
# on any package it could not check; the project itself is left out.
audit: install
	$(BIN)/python .ci/audit.py

lint: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/site_build.py

bench-portal: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/portal_load.py

# nginx in front, as the administrator's guide runs it: apt-get install nginx
bench-quiz: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/quiz_load.py

bench-coverage: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/coverage.py

bench-day: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/school_day.py

# wrk drives the server: apt-get install wrk
bench-ratio: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/ratio.py

bench-pages: install
	$(BIN)/python bench/page_weight.py

bench-profile: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/profile_page.py

# PostgreSQL at 127.0.0.1:5432 (ESAFETY_BENCH_POSTGRES); DELAY_MS=1 puts it a network away
bench-round-trips: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/round_trips.py --delay-ms $(or $(DELAY_MS),0)

clean:
	rm -rf $(VENV) site instance .pytest_cache .ruff_cache
