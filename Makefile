# Two commands do everything on a fresh machine: `make reproduce` and `make test`.
# Each creates .venv and installs lmssurv (pinned by constraints.txt) when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export MPLBACKEND := Agg

NB_STAMP := $(VENV)/.notebooks-stamp
# Jupyter refuses to start a server as root unless told to (containers, CI images).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
NOTEBOOKS := $(wildcard notebooks/[0-9][0-9]_*.py)
HTML_DIR := build/notebooks

.PHONY: setup reproduce test lint benchmark notebooks notebooks-html clean

setup: $(STAMP)

# pip stays quiet (its per-package lines bury everything else); each step says what it installs.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || { echo "make: creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "make: upgrading pip in $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "make: installing lmssurv (editable) with the dev extra: numpy, scipy, pandas, lifelines,"
	@echo "      matplotlib, pytest, hypothesis, ruff, jupytext, nbclient, ipykernel; pinned by"
	@echo "      constraints.txt. About a minute on a fresh clone, silent while pip works."
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)
	@echo "make: $(VENV) is ready"

# The notebooks extra, installed once; reinstalled only when the dev install is redone.
$(NB_STAMP): $(STAMP)
	@echo "make: installing the notebooks extra (JupyterLab, jupytext, nbconvert; pinned by"
	@echo "      constraints.txt). Silent while pip works."
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,notebooks]"
	@touch $(NB_STAMP)

reproduce: $(STAMP)
	$(BIN)/lmssurv reproduce --out figures/ --force

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks notebooks data

test: lint
	$(BIN)/python -m pytest

# Accuracy and speed tables, on demand (not part of make test).
benchmark: $(STAMP)
	$(BIN)/python benchmarks/validation.py
	$(BIN)/python benchmarks/reachability.py
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/curve_validation.py
	$(BIN)/python benchmarks/curve_speed.py
	$(BIN)/python benchmarks/import_time.py
	$(BIN)/python benchmarks/ensemble.py

# Researchers: open the notebooks in Jupyter (installs the `notebooks` extra on first use).
notebooks: $(NB_STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks/

# Every notebook executed headlessly into build/notebooks/NN_topic.html (figures inline: the
# kernel gets matplotlib's inline backend, not the Agg exported above for make's own commands).
notebooks-html: $(NB_STAMP)
	@mkdir -p $(HTML_DIR)
	@set -e; for nb in $(NOTEBOOKS); do \
	    name=$$(basename $$nb .py); \
	    echo "make: executing $$nb -> $(HTML_DIR)/$$name.html"; \
	    $(BIN)/jupytext --quiet --to ipynb --output $(HTML_DIR)/$$name.ipynb $$nb; \
	    env -u MPLBACKEND JUPYTER_PREFER_ENV_PATH=1 $(BIN)/jupyter nbconvert --execute --to html \
	        --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 \
	        --log-level=ERROR --output-dir $(HTML_DIR) $(HTML_DIR)/$$name.ipynb; \
	done
	@echo "make: open $(HTML_DIR)/*.html in a browser"

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
