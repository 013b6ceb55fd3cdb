# kb: set up, run and test. Every target creates the virtual environment it needs.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run build serve test test-fast lint bench browser-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch (found locally here); a plain `torch` requirement would pull a CUDA build.
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## The main job: build the index if needed (offline default model), then open the chat app.
run: $(STAMP)
	$(BIN)/python app.py

build: $(STAMP)
	$(BIN)/kb build

## Debian's Chromium and CJK fonts for the browser test (no browser download).
browser-deps:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk" || \
		( (command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && S=sudo || S=""; \
		   $$S apt-get update -qq && $$S apt-get install -y -qq chromium fonts-noto-cjk) )

## Everything, including the tests that need the real model and the browser.
test: $(STAMP) browser-deps
	$(BIN)/pytest -q

## Fast feedback: no real model, no browser.
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check kb tests app.py bench

bench: $(STAMP)
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/peer.py
	$(BIN)/python bench/ocr.py --cer

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output
