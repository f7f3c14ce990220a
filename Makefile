# One command each for what a user and CI run. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,docs,dask,nlp,app]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/detente validate korea-2018
	$(BIN)/detente show korea-2018
	mkdir -p out
	$(BIN)/detente graph korea-2018 -o out/korea-2018-relations.png
	$(BIN)/detente simulate korea-2018 --runs 10000 --seed 0 --quiet
	$(BIN)/detente report latest -o out/report-korea-2018.html
	@echo "Explore and play it in the browser: $(BIN)/detente app korea-2018   (opens on http://127.0.0.1:8050/)"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q -n 2

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info
