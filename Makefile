# bartedit: see README.md. Every target works on a fresh Debian 12 / Ubuntu
# machine after `make deps`.

PY      ?= /usr/bin/python3
# The go command: on PATH if new enough, else the one `make deps` fetched.
GO      ?= $(shell scripts/go.sh path)
CACHE   ?= .cache
BENCH_BUNDLE := $(CACHE)/bench-mid.bart
FIXTURES := model/testdata

.PHONY: deps build run demo test test-go test-py fuzz bench fixtures clean screenshots bench-ui data data-photos train export eval train-photos export-photos eval-photos

deps:
	scripts/deps.sh

build:
	$(GO) build -o bin/bartedit ./cmd/bartedit

# The editor window on the embedded default model.
run: build
	bin/bartedit

# Headless: the whole chain from noise on the embedded default model,
# every scale decoded into bartedit-demo.png.
demo: build
	bin/bartedit info
	bin/bartedit demo -o bartedit-demo.png --force

test: test-go test-py fuzz
	CGO_ENABLED=0 $(GO) build ./model/...
	@echo "make test: all passed"

# The real-window test (cmd/bartedit/xvfb_test.go) runs the built binary
# under Xvfb; here it must run, not skip, so missing tools fail the build.
test-go: build
	$(GO) vet ./...
	BARTEDIT_REQUIRE_XVFB=1 BARTEDIT_BIN=$(CURDIR)/bin/bartedit $(GO) test ./...
	CGO_ENABLED=0 $(GO) test ./model/...

test-py:
	cd train && $(PY) -m unittest discover -s . -p 'test_*.py'

fuzz:
	$(GO) test ./model -run '^$$' -fuzz=FuzzOpenBundle -fuzztime=20s

# Regenerate the parity fixtures (tiny random-weight bundles and the
# outputs PyTorch computes for them).
fixtures:
	$(PY) train/fixtures.py --out $(FIXTURES)

$(BENCH_BUNDLE):
	mkdir -p $(CACHE)
	$(PY) train/fixtures.py --bench-bundle $@

# Go vs PyTorch on the same bundles, measured in one run (bartedit bench
# runs train/bench.py itself with the same threads and OpenBLAS kernels).
bench: build $(BENCH_BUNDLE)
	bin/bartedit bench --reps 11 --pytorch train/bench.py --python $(PY) $(FIXTURES)/fixture-class.bart $(BENCH_BUNDLE)

# ---- training the default model (train/RESULTS.md, README "Training") ----
# RUN holds the checkpoints (resumable: rerun `make train` after an
# interruption); DEVICE=cuda trains on an NVIDIA GPU. VQ_FLAGS and
# CHAIN_FLAGS pass options through, e.g. CHAIN_FLAGS="--minutes 8" (a time
# budget per scale) or "--max-steps 2000" (the same for every scale instead
# of train_chain.py's PLANNED_STEPS).
RUN     ?= train/runs/emoji
DEVICE  ?= cpu
# One thread per process: on these 2-core VMs two OpenMP threads per
# process made training 5-10x slower (spin-waiting), so the chain trains
# two scales at once, one thread each (scales are independent).
THREADS ?= 1
# A VQGAN stage runs alone, so it takes VQ_THREADS (default 2) threads:
# the photos VQGAN took 1.46 s/step so against 2.45 s with one
# (train_photos.py vq --bench, this VM). Chain stages run two processes of
# THREADS (1) each.
VQ_THREADS ?= 2
VQ_FLAGS ?=
CHAIN_FLAGS ?=
# Debian's OpenBLAS 0.3.21 misdetects recent Xeons and falls back to SSE3
# kernels (3x slower training); pick the kernels from the CPU flags unless
# OPENBLAS_CORETYPE is set (the Go engine does the same at run time).
OPENBLAS_CORETYPE ?= $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo SkylakeX || (grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo Haswell))
CHAIN_ARGS = --data $(CACHE)/data/emoji.pt --vq $(RUN)/vq/final.pt --out $(RUN)/chain --device $(DEVICE) $(CHAIN_FLAGS)
TRAIN_ENV := OMP_NUM_THREADS=$(THREADS) OPENBLAS_NUM_THREADS=$(THREADS) $(if $(OPENBLAS_CORETYPE),OPENBLAS_CORETYPE=$(OPENBLAS_CORETYPE)) nice -n 19

data:
	$(PY) train/data.py --cache $(CACHE)

# The photos model's data (issue 6): apt-get download + dpkg -x the packages of
# train/photos-manifest.tsv into $(CACHE)/photos/, then $(CACHE)/data/photos.pt
# and photos-NOTICE.txt; PHOTOS_FLAGS="--licences all" adds the share-alike photos.
data-photos:
	$(PY) train/photos_data.py --cache $(CACHE) $(PHOTOS_FLAGS)

train: data
	$(subst =$(THREADS) ,=$(VQ_THREADS) ,$(TRAIN_ENV)) $(PY) train/train_vq.py --data $(CACHE)/data/emoji.pt --out $(RUN)/vq --device $(DEVICE) $(VQ_FLAGS)
	$(TRAIN_ENV) $(PY) train/train_chain.py $(CHAIN_ARGS) --scales ""
	$(TRAIN_ENV) $(PY) train/train_chain.py $(CHAIN_ARGS) --scales 4 & pid=$$!; \
	$(TRAIN_ENV) $(PY) train/train_chain.py $(CHAIN_ARGS) --scales 3,2,1,0; st=$$?; \
	wait $$pid && exit $$st

export:
	$(TRAIN_ENV) $(PY) train/export.py --run $(RUN) --out assets/default.bart

# Evaluates the exported bundle, writes train/RESULTS.md and
# train/samples.png, then re-exports so the card carries the metrics.
eval:
	$(TRAIN_ENV) $(PY) train/evaluate.py --run $(RUN) --bundle assets/default.bart
	$(TRAIN_ENV) $(PY) train/export.py --run $(RUN) --out assets/default.bart

# ---- the photos model (issue 6; train/train_photos.py, train/RESULTS-photos.md) ----
# Unconditional, 128x128, T=3, on the photos of `make data-photos`; about 8
# hours on 2 cores (VQGAN, token pool, then scale 3 beside scales 2 and 1),
# resumable like `make train`. PHOTOS_FLAGS="--licences all" (as for
# data-photos) trains on photos-all.pt into train/runs/photos-all.
# PHOTOS_VQ_FLAGS / PHOTOS_CHAIN_FLAGS / PHOTOS_EVAL_FLAGS pass options
# through, e.g. PHOTOS_CHAIN_FLAGS="--minutes 60" or "--max-steps 2000".
PHOTOS_SET = $(if $(filter all,$(PHOTOS_FLAGS)),photos-all,photos)
PHOTOS_DATA ?= $(CACHE)/data/$(PHOTOS_SET).pt
PHOTOS_RUN ?= train/runs/$(PHOTOS_SET)
PHOTOS_BUNDLE ?= assets/photos.bart
PHOTOS_VQ_FLAGS ?=
PHOTOS_CHAIN_FLAGS ?=
PHOTOS_EVAL_FLAGS ?=
# PHOTOS_INIT=assets/photos.bart continues from the shipped bundle (train/warm_start.py):
# its first stage as is, its weights for every scale the run has no checkpoint of.
PHOTOS_INIT ?=
PHOTOS_ARGS = --data $(PHOTOS_DATA) --run $(PHOTOS_RUN) --device $(DEVICE) $(if $(PHOTOS_INIT),--init-bundle $(PHOTOS_INIT))

train-photos: data-photos
	$(subst =$(THREADS) ,=$(VQ_THREADS) ,$(TRAIN_ENV)) $(PY) train/train_photos.py vq $(PHOTOS_ARGS) $(PHOTOS_VQ_FLAGS)
	$(TRAIN_ENV) $(PY) train/train_photos.py chain $(PHOTOS_ARGS) --scales "" $(PHOTOS_CHAIN_FLAGS)
	$(TRAIN_ENV) $(PY) train/train_photos.py chain $(PHOTOS_ARGS) --scales 3 $(PHOTOS_CHAIN_FLAGS) & pid=$$!; \
	$(TRAIN_ENV) $(PY) train/train_photos.py chain $(PHOTOS_ARGS) --scales 2,1 $(PHOTOS_CHAIN_FLAGS); st=$$?; \
	wait $$pid && exit $$st

# $(PHOTOS_BUNDLE) (first stage F32, transformers F16, at most 40 MB) and its
# NOTICE beside it (assets/photos-NOTICE.txt).
export-photos:
	$(TRAIN_ENV) $(PY) train/train_photos.py export --run $(PHOTOS_RUN) --out $(PHOTOS_BUNDLE)

# Inpainting on held-out photos against two baselines: train/RESULTS-photos.md,
# train/photos-samples.png; then re-exports so the card carries the metrics.
eval-photos:
	$(TRAIN_ENV) $(PY) train/evaluate_photos.py --run $(PHOTOS_RUN) --data $(PHOTOS_DATA) --bundle $(PHOTOS_BUNDLE) $(PHOTOS_EVAL_FLAGS)
	$(TRAIN_ENV) $(PY) train/train_photos.py export --run $(PHOTOS_RUN) --out $(PHOTOS_BUNDLE)

# Screenshots of the real editor window under Xvfb for the README.
screenshots: build
	scripts/screenshots.sh docs/screenshots

# UI frame times while a sampling run is in progress (median reported).
bench-ui:
	$(GO) test ./ui -run '^$$' -bench BenchmarkFrameDuringRun -benchtime 200x

clean:
	rm -rf bin $(CACHE) bartedit-demo.png
