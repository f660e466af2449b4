# The two commands a researcher needs: `make run` and `make test`. Both create .venv and install the
# package on first use (python3 -m venv, pip install -e .[dev]) and are quick once installed.
VENV    := .venv
PYTHON  := $(VENV)/bin/python
SIM     := $(VENV)/bin/sim
STAMP   := $(VENV)/.installed-stamp
DEFAULT_SCENARIO := scenarios/aliexpress_spain_5day.toml

.PHONY: install run test test-fast validate bench paper notebooks explore clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	@echo "installing sim and its dependencies into $(VENV) (first time only) ..."
	@$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(SIM) run $(DEFAULT_SCENARIO)

test: $(STAMP)
	$(VENV)/bin/ruff check sim tests bench paper analysis scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -n auto --dist loadscope --durations=10

# the quick subset: every test not marked slow (the statistical validations are); both run on every core
test-fast: $(STAMP)
	$(VENV)/bin/pytest -n auto --dist loadscope -m "not slow"

validate: $(STAMP)
	$(SIM) validate

bench: $(STAMP)
	@mkdir -p bench/results
	@for script in bench/[!_]*.py; do echo "== $$script"; $(PYTHON) $$script || exit 1; done

# `make paper`: the full paper into paper/build/ (and README's First-answers block); `make paper QUICK=1`:
# the test size, README untouched
paper: $(STAMP)
	$(PYTHON) paper/make_paper.py $(if $(QUICK),--quick,--readme)

# `make notebooks`: every marimo notebook in analysis/ run on the newest runs under results/ and exported to
# analysis/build/<name>.html; a notebook whose runs are missing is still written, saying which `sim run` makes
# them, and the command exits 1 naming it. `make explore`: the explorer app in the browser.
NOTEBOOKS := $(filter-out analysis/_common.py,$(wildcard analysis/*.py))

notebooks: $(STAMP)
	@mkdir -p analysis/build
	@failed=""; for notebook in $(NOTEBOOKS); do name=$$(basename $$notebook .py); \
	  echo "== $$notebook -> analysis/build/$$name.html"; \
	  $(VENV)/bin/marimo export html $$notebook -o analysis/build/$$name.html -f >analysis/build/$$name.log 2>&1 \
	    || { failed="$$failed $$name"; grep -m1 "^error: " analysis/build/$$name.log; }; \
	done; if [ -n "$$failed" ]; then echo "cells failed in:$$failed (their HTML and .log say what to run)"; exit 1; fi

explore: $(STAMP)
	$(VENV)/bin/marimo run analysis/explorer.py

clean:
	rm -rf $(VENV) results bench/results paper/build analysis/build .pytest_cache .hypothesis
