# The two commands of the course book (see README.md):
#   make test   create the environment, run the unit tests and every notebook in the smoke profile
#   make book   create the environment, execute every notebook (COURSE_PROFILE or auto) and build the HTML
#   make browser-test   open every page of the built book in headless Chromium (after make book)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_QUIET ?= -q

.PHONY: env test book book-from-tests browser-test clean

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

# The built book in a real browser: Debian's chromium and a Japanese font (fonts-noto-cjk) must
# be installed (.ci/run does it); here a missing browser or book is an error, not a skip.
browser-test: env
	COURSE_BROWSER_TEST=require $(BIN)/python -m pytest tests/browser

clean:
	rm -rf _build
