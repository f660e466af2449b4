# The two commands a researcher needs: `make run` and `make test`. Both create .venv and install the
# package on first use (python3 -m venv, pip install -e .[dev]) and are quick once installed.
VENV    := .venv
PYTHON  := $(VENV)/bin/python
SIM     := $(VENV)/bin/sim
STAMP   := $(VENV)/.installed-stamp
DEFAULT_SCENARIO := scenarios/aliexpress_spain_5day.toml

.PHONY: install run test test-fast validate bench paper clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	@echo "installing sim and its dependencies into $(VENV) (first time only) ..."
	@$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(SIM) run $(DEFAULT_SCENARIO)

test: $(STAMP)
	$(VENV)/bin/ruff check sim tests bench paper analysis
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -n auto --dist loadscope --durations=10

# the quick subset: every test not marked slow (the statistical validations are); both run on every core
test-fast: $(STAMP)
	$(VENV)/bin/pytest -n auto --dist loadscope -m "not slow"

validate: $(STAMP)
	$(SIM) validate

bench: $(STAMP)
	@mkdir -p bench/results
	@for script in bench/*.py; do echo "== $$script"; $(PYTHON) $$script || exit 1; done

# `make paper`: the full paper into paper/build/ (and README's First-answers block); `make paper QUICK=1`:
# the test size, README untouched
paper: $(STAMP)
	$(PYTHON) paper/make_paper.py $(if $(QUICK),--quick,--readme)

clean:
	rm -rf $(VENV) results bench/results paper/build .pytest_cache .hypothesis
