# Two commands do everything on a fresh machine: `make reproduce` and `make test`.
# Each creates .venv and installs lmssurv (pinned by constraints.txt) when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export MPLBACKEND := Agg

.PHONY: setup reproduce test lint benchmark notebooks clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

reproduce: $(STAMP)
	$(BIN)/lmssurv reproduce --out figures/ --force

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks data

test: lint
	$(BIN)/python -m pytest

# Accuracy and speed tables, on demand (not part of make test).
benchmark: $(STAMP)
	$(BIN)/python benchmarks/validation.py
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/curve_validation.py
	$(BIN)/python benchmarks/curve_speed.py
	$(BIN)/python benchmarks/import_time.py

# Researchers: open the notebooks in Jupyter (installs the `notebooks` extra on first use).
notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,notebooks]"
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
