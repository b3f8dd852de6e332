# Valence (Go). `make demo` runs the system, `make test` runs every test.

GO          ?= go
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X github.com/valence-rsd/valence/internal/version.Version=$(VERSION)
BINARIES    := $(notdir $(wildcard cmd/*))
TOOLS       := $(CURDIR)/.tools
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2
NFPM        := $(TOOLS)/nfpm
NFPM_VERSION := v2.45.2

.PHONY: all build test race fuzz demo bench bench-quick bench-go lint package docs clean

all: build

## build: every binary of cmd/ into bin/
build:
	@mkdir -p bin
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/ ./cmd/...

## test: vet, then every test (unit, store contract, functional, packages); see README
test: $(NFPM)
	$(GO) vet ./...
	NFPM=$(NFPM) $(GO) test -count=1 ./...

## race: the unit tests of the library and the server's packages under the race detector
## (the functional and browser suites run built binaries, which it does not instrument)
race:
	$(GO) test -race -count=1 ./api/... ./internal/... ./redfish/...

## fuzz: every Fuzz target of the module (found anew each time), each for FUZZTIME
FUZZTIME ?= 5s
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) .ci/fuzz

## demo: the server on 127.0.0.1:8181, ready to curl
demo: build
	VALENCE_LOG_FORMAT=console ./bin/valence-api --demo

## bench: the harness (tests/bench, docs/performance.md); BENCHFLAGS e.g. -systems 10000 -json out.json
BENCHFLAGS ?=
bench:
	$(GO) run ./tests/bench $(BENCHFLAGS)

## bench-quick: every scenario of the harness, small, in under a minute (CI: fails only if it breaks)
bench-quick:
	$(GO) run ./tests/bench -quick $(BENCHFLAGS)

## bench-go: the Go benchmarks of the packages (go test -bench)
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## lint: go vet and staticcheck (pinned, installed into .tools/)
lint: $(STATICCHECK)
	$(GO) vet ./...
	$(STATICCHECK) ./...

## docs: regenerate docs/api-reference.md and api/reference.html (GET /v1/docs) from api/openapi.yaml
docs:
	$(GO) generate ./internal/apidoc

## screenshots: regenerate docs/images/ui-*.png, the dashboard's views, with chromium (tests/browser)
.PHONY: screenshots
screenshots:
	$(GO) test -count=1 ./tests/browser -run 'TestScreenshots' -update-screenshots

$(NFPM):
	GOBIN=$(TOOLS) $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)

## package: valence-api and valence-client, .deb and .rpm, into dist/ (deploy/README.md)
package: $(NFPM)
	NFPM=$(NFPM) GO=$(GO) deploy/package.sh

clean:
	rm -rf bin dist .tools
