# bartedit: see README.md. Every target works on a fresh Debian 12 / Ubuntu
# machine after `make deps`.

PY      ?= /usr/bin/python3
# The go command: on PATH if new enough, else the one `make deps` fetched.
GO      ?= $(shell scripts/go.sh path)
CACHE   ?= .cache
BENCH_BUNDLE := $(CACHE)/bench-mid.bart
FIXTURES := model/testdata

.PHONY: deps build run test test-go test-py fuzz bench fixtures clean

deps:
	scripts/deps.sh

build:
	$(GO) build -o bin/bartedit ./cmd/bartedit

# Until the editor exists: a headless demo of the whole chain on the
# embedded default model, written to bartedit-demo.png.
run: build
	bin/bartedit info
	bin/bartedit demo -o bartedit-demo.png --force

test: test-go test-py fuzz
	CGO_ENABLED=0 $(GO) build ./model/...
	@echo "make test: all passed"

test-go:
	$(GO) vet ./...
	$(GO) test ./...
	CGO_ENABLED=0 $(GO) test ./model/...

test-py:
	cd train && $(PY) -m unittest discover -s . -p 'test_*.py'

fuzz:
	$(GO) test ./model -run '^$$' -fuzz=FuzzOpenBundle -fuzztime=20s

# Regenerate the parity fixtures (tiny random-weight bundles and the
# outputs PyTorch computes for them) and the embedded stand-in model.
fixtures:
	$(PY) train/fixtures.py --out $(FIXTURES)
	cp $(FIXTURES)/fixture-text.bart assets/default.bart

$(BENCH_BUNDLE):
	mkdir -p $(CACHE)
	$(PY) train/fixtures.py --bench-bundle $@

# Go vs PyTorch on the same bundles, measured in one run (bartedit bench
# runs train/bench.py itself with the same threads and OpenBLAS kernels).
bench: build $(BENCH_BUNDLE)
	bin/bartedit bench --reps 11 --pytorch train/bench.py --python $(PY) $(FIXTURES)/fixture-class.bart $(BENCH_BUNDLE)

clean:
	rm -rf bin $(CACHE) bartedit-demo.png
