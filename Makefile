# The two commands of the course book (see README.md):
#   make test   create the environment, run the unit tests and every notebook in the smoke profile
#               (then again under nbval: the outputs must reproduce), and build the book in the
#               smoke profile. The tests write into COURSE_TEST_OUTPUT, else a temporary folder of
#               this checkout; never into _build/
#   make book   create the environment, then `jupyter-book build .` (COURSE_PROFILE or auto)
#   make test-quick     every chapter in the quick profile on the real data, checked against its ranges
#   make test-colab     the Colab cell and every chapter with the Colab image's package versions
#   make browser-test   open every page of the book that make test built in headless Chromium
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_QUIET ?= -q
# every extra of pyproject.toml (one per chapter)
EXTRAS := $(shell $(PYTHON) -c "import tomllib; print(','.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']))")

.PHONY: env test test-quick test-colab book browser-test clean

env: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip
	$(BIN)/python -m pip install $(PIP_QUIET) -r requirements.txt -e ".[$(EXTRAS)]"
	touch $@

test: env
	$(BIN)/python -m pytest

# About 14 minutes on 2 CPU cores; offline it needs COURSE_DATA_MIRROR.
test-quick: env
	COURSE_TEST_QUICK=1 $(BIN)/python -m pytest -m quick tests/test_notebooks.py

# The notebooks' Colab cell in an environment of Colab's package versions, then every chapter
# there in smoke (about 5 minutes; CI runs it).
test-colab: env
	COURSE_TEST_COLAB=1 $(BIN)/python -m pytest -m colab tests/test_colab.py

book: env
	$(BIN)/jupyter-book build .

# The book that make test built (tests/test_book.py) in a real browser: Debian's chromium and a
# Japanese font (fonts-noto-cjk) must be installed (.ci/run does it); here a missing browser or
# book is an error, not a skip.
browser-test: env
	COURSE_BROWSER_TEST=require $(BIN)/python -m pytest tests/browser

clean:
	rm -rf _build
