# make demo: set up .venv and open the console in demo mode.
# make test: set up .venv and run lint, types, import contracts and the whole suite headless.
# make pytest: the suite only. Another Python in its own venv, e.g.
#   make test PYTHON=/root/.pyenv/versions/3.12.1/bin/python3.12 VENV=.venv-3.12
# UV=path/to/uv makes the venv with uv instead of venv+pip (seconds instead of minutes);
# .ci/run does that for 3.12 and 3.13.
PYTHON ?= python3
VENV ?= .venv
UV ?=
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: demo test lint pytest venv check-python bench clean

$(STAMP): pyproject.toml
ifeq ($(UV),)
	$(PYTHON) -m venv $(VENV)
	echo '*' > $(VENV)/.gitignore # as uv and 3.13's venv write: git and ruff skip it
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
else
	$(UV) venv --quiet --clear --no-python-downloads --python $(PYTHON) $(VENV)
	$(UV) pip install --quiet --no-python-downloads --python $(BIN)/python -e '.[test]'
endif
	touch $(STAMP)

# With PYTHON given on the command line, an existing VENV must be of that Python's version.
check-python: $(STAMP)
ifeq ($(origin PYTHON),command line)
	@want=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])') && \
	have=$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])') && \
	if [ "$$want" != "$$have" ]; then \
	  echo "$(VENV) has Python $$have but PYTHON is $$want: pass another VENV= or rm -r $(VENV)"; \
	  exit 1; \
	fi
endif

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/supervisor-console --demo

lint: check-python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: check-python
	@$(BIN)/python -c 'import sys; print("pytest on Python", sys.version.split()[0], "in $(VENV)")'
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

test: lint pytest

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do QT_QPA_PLATFORM=offscreen $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
