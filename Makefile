# leadhub — common tasks. `make test` is the whole test suite (what CI runs).
GO ?= go

.PHONY: build test lint bench fuzz killtest

build:
	$(GO) build -o bin/leadhub ./cmd/leadhub

test:
	bash scripts/test.sh

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet ./...

bench:
	bash scripts/bench.sh

fuzz:
	bash scripts/fuzz.sh

killtest:
	bash scripts/killtest.sh sqlite
	bash scripts/killtest.sh postgres
