# trove — see README.md. FTS5 is compiled into SQLite only with this tag.
TAGS    := sqlite_fts5,nosqlite
GOFLAGS := -tags=$(TAGS)
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
BIN     := bin/trove

.PHONY: build test test-short lint bench bench-serve bench-release bench-dkim bench-check run fuzz clean

build:
	go build $(GOFLAGS) -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/trove

test:
	go test $(GOFLAGS) -race -timeout 20m ./...

test-short:
	go test $(GOFLAGS) -short ./...

lint:
	go vet $(GOFLAGS) ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@cp go.mod /tmp/trove-go.mod.bak && cp go.sum /tmp/trove-go.sum.bak && go mod tidy && \
	  if ! git diff --quiet -- go.mod go.sum; then echo "go mod tidy changes go.mod/go.sum"; git diff -- go.mod go.sum; \
	  cp /tmp/trove-go.mod.bak go.mod; cp /tmp/trove-go.sum.bak go.sum; exit 1; fi

# Fuzz every parser of untrusted bytes for FUZZTIME each (default 20s).
FUZZTIME ?= 20s
fuzz:
	bash scripts/fuzz.sh $(FUZZTIME)

# Ingest and search benchmark on a generated leak corpus (BENCH_SIZE=small|medium).
bench: build
	bash scripts/bench.sh

# Load test of trove serve with wrk, and downloads against nginx.
bench-serve: build
	bash scripts/bench-serve.sh

# Mirror sync against curl, seeder against transmission-cli, release time.
bench-release: build
	bash scripts/bench-release.sh

# trove check over the medium archive against sha256sum over the same blobs.
bench-check: build
	bash scripts/bench-check.sh

# DKIM verification of 5,000 opendkim-signed messages: trove against opendkim.
bench-dkim: build
	bash scripts/bench-dkim.sh

run: build
	bash scripts/run.sh

clean:
	rm -rf bin
