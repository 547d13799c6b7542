# The two commands of the course book (see README.md):
#   make test   create the environment, run the unit tests and every notebook in the smoke profile
#   make book   create the environment, execute every notebook (COURSE_PROFILE or auto) and build the HTML
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_QUIET ?= -q

.PHONY: env test book book-from-tests clean

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip
	$(BIN)/python -m pip install $(PIP_QUIET) -r requirements.txt -e .
	touch $@

test: env
	$(BIN)/python -m pytest

book: env
	$(BIN)/python tools/build_book.py

# CI: build the HTML from the notebooks that `make test` executed (smoke), warnings as errors.
book-from-tests: env
	$(BIN)/python tools/build_book.py --reuse-executed --strict

clean:
	rm -rf _build
