# One command each for what a user and CI run. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest docs bench clean fuzz mutation

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,docs,dask,nlp,app,bench]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/detente validate korea-2018
	$(BIN)/detente show korea-2018
	mkdir -p out
	$(BIN)/detente graph korea-2018 -o out/korea-2018-relations.png
	$(BIN)/detente simulate korea-2018 --runs 10000 --seed 0 --quiet
	$(BIN)/detente report latest -o out/report-korea-2018.html
	@echo ""
	@echo "Done: open out/report-korea-2018.html in a browser."
	@echo "Run detente yourself with .venv/bin/detente (or: source .venv/bin/activate, then detente --help)."
	@echo "Next: detente compare korea-2018 --strategy us-maximum-pressure --runs 2000; detente data status"
	@echo "Explore and play it in the browser: $(BIN)/detente app korea-2018   (opens on http://127.0.0.1:8050/)"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q -n 2

# The documentation site (mkdocs-material + mkdocstrings); --strict fails on any broken link or reference.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test: lint typecheck pytest docs

# >= 10,000 cases a surface (scenarios, tables, text, arguments); prints the outcome counts per surface.
fuzz: $(STAMP)
	DETENTE_FUZZ_PROFILE=fuzz $(BIN)/pytest -q -p no:cacheprovider tests/fuzz

# Mutation testing of the numerical modules (mutmut); prints the mutation score.
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[mutation]"
	$(BIN)/python tests/mutation/run.py

# Every benchmark; the `bench` extra (Mesa 3.3.1) gives bench_escalation and bench_qre their per-agent references.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info src/*.egg-info
