# Valence (Go). `make demo` runs the system, `make test` runs every test.

GO          ?= go
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X github.com/valence-rsd/valence/internal/version.Version=$(VERSION)
BINARIES    := $(notdir $(wildcard cmd/*))
TOOLS       := $(CURDIR)/.tools
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2

.PHONY: all build test fuzz demo bench lint package clean

all: build

## build: every binary of cmd/ into bin/
build:
	@mkdir -p bin
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/ ./cmd/...

## test: vet, then every test (unit, store contract, functional); see README
test:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

## fuzz: every Fuzz target of the module (found anew each time), each for FUZZTIME
FUZZTIME ?= 5s
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) .ci/fuzz

## demo: the server on 127.0.0.1:8181, ready to curl
demo: build
	VALENCE_LOG_FORMAT=console ./bin/valence-api --demo

## bench: the benchmark harness
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## lint: go vet and staticcheck (pinned, installed into .tools/)
lint: $(STATICCHECK)
	$(GO) vet ./...
	$(STATICCHECK) ./...

## package: .deb and .rpm
package:
	@echo "make package: packaging (.deb/.rpm with nfpm) is not built yet; see deploy/README.md" >&2
	@exit 1

clean:
	rm -rf bin dist .tools
