SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
.DEFAULT_GOAL := help

GO ?= go
BIN := $(CURDIR)/bin
# socialrx's release version: the Go module's tag is v$(VERSION), and it is the OpenAPI
# document's info.version. Bump it here, regenerate, then tag that commit.
VERSION := 0.1.0
# Third-party protos are copied from these Go modules (pinned here) into third_party/proto.
GOOGLEAPIS_MODULE := github.com/grpc-ecosystem/grpc-gateway@v1.16.0
PROTOVALIDATE_MODULE := github.com/bufbuild/protovalidate@v1.2.2
TOOLS := github.com/bufbuild/buf/cmd/buf \
	google.golang.org/protobuf/cmd/protoc-gen-go \
	google.golang.org/grpc/cmd/protoc-gen-go-grpc \
	github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway \
	github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2 \
	github.com/fullstorydev/grpcurl/cmd/grpcurl
TEST_FLAGS ?= -race -count=1 -timeout=30m

.PHONY: help
help: ## Show the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

.PHONY: run
run: ## Run everything (embedded database, services, gateway, demo data) on this machine.
	$(GO) run ./deploy/allinone

.PHONY: test
test: ## Run all tests against real servers on the embedded database and in a real browser.
	bash tools/ensure-browser.sh
	bash tools/ensure-fhir-schema.sh
	$(GO) test $(TEST_FLAGS) ./...
	cd tools && $(GO) test -count=1 ./openapigen

.PHONY: screenshots
screenshots: ## Refresh the README's screenshots in gateway/web/screenshots from the browser tests.
	bash tools/ensure-browser.sh
	SCREENSHOTS_DIR=$(CURDIR)/gateway/web/screenshots $(GO) test -count=1 -run='^TestBrowser' -timeout=30m ./gateway/web/

.PHONY: bench
bench: ## Mixed load over gRPC and REST, 1 and 2 replicas (LOAD_CLIENTS, LOAD_SECONDS).
	$(GO) test -run='^$$' -bench=Load -benchtime=1x -timeout=60m ./deploy/loadtest/

.PHONY: bench-scale
bench-scale: ## Cost as data grows (SCALE_SERVICES, SCALE_REGISTRATIONS, SCALE_REFERRALS), and gRPC against REST; first the flat-cost table.
	$(GO) test -run='^$$' -bench=FlatCost -benchtime=1x -timeout=180m ./deploy/benchmarks/
	$(GO) test -run='^$$' -bench=Scale -benchtime=1x -timeout=60m ./services/directory/
	$(GO) test -run='^$$' -bench=Startup -benchtime=1x -timeout=60m ./services/event/
	$(GO) test -run='^$$' -bench=LoopsAsReferralsGrow -benchtime=1x -timeout=60m ./deploy/benchmarks/
	$(GO) test -run='^$$' -bench=Directory -benchtime=200x -timeout=60m ./deploy/benchmarks/
	$(GO) test -run='^$$' -bench=Events -benchtime=2000x -timeout=60m ./deploy/benchmarks/
	$(GO) test -run='^$$' -bench=ClosedLoop -benchtime=200x -timeout=60m ./deploy/benchmarks/

.PHONY: tools
tools: ## Build the pinned code generators into bin/.
	cd tools && $(GO) build -o $(BIN)/ $(TOOLS) ./openapigen

.PHONY: protodeps
protodeps: ## Copy third-party protos from the Go module cache into third_party/proto.
	rm -rf third_party/proto
	mkdir -p third_party/proto/google/api third_party/proto/buf/validate third_party/proto/protoc-gen-openapiv2/options
	gapi=$$(cd tools && $(GO) mod download -json $(GOOGLEAPIS_MODULE) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	pv=$$(cd tools && $(GO) mod download -json $(PROTOVALIDATE_MODULE) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	gw=$$(cd tools && $(GO) list -m -f '{{.Dir}}' github.com/grpc-ecosystem/grpc-gateway/v2); \
	cp "$$gapi"/third_party/googleapis/google/api/{annotations,http,httpbody}.proto third_party/proto/google/api/; \
	cp "$$pv"/proto/protovalidate/buf/validate/validate.proto third_party/proto/buf/validate/; \
	cp "$$gw"/protoc-gen-openapiv2/options/{annotations,openapiv2}.proto third_party/proto/protoc-gen-openapiv2/options/
	chmod -R u+w third_party/proto

.PHONY: generate
generate: tools protodeps ## Regenerate Go, gateway and OpenAPI code from the protos.
	$(BIN)/buf format -w proto
	find proto -name '*.pb.go' -o -name '*.pb.gw.go' | xargs -r rm
	rm -rf bin/openapiv2
	PATH="$(BIN):$$PATH" $(BIN)/buf generate
	$(BIN)/openapigen -version $(VERSION) -in bin/openapiv2 -base gateway/openapi/source/base.yaml \
		-operations gateway/openapi/source/operations.yaml -out gateway/openapi/socialrx.openapi.json
	$(GO) mod tidy

.PHONY: lint
lint: tools protodeps ## buf lint, buf format check, go vet, gofmt, no merge leftovers.
	test -z "$$(git ls-files '*.orig' '*.rej')" || { echo 'merge leftovers are tracked:'; git ls-files '*.orig' '*.rej'; exit 1; }
	$(BIN)/buf lint
	$(BIN)/buf format --diff --exit-code proto
	$(GO) vet ./...
	test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\(\.gw\)\?\.go$$'))" || { gofmt -l .; exit 1; }

# Redocly keeps its exceptions in gateway/openapi/.redocly.lint-ignore.yaml, found from there.
.PHONY: lint-openapi
lint-openapi: ## Lint the OpenAPI document with the pinned Redocly CLI and Spectral; fails on any problem.
	bash tools/ensure-apilint.sh
	export PATH="$(CURDIR)/tools/apilint/.node/bin:$$PATH"; \
	cd gateway/openapi && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		../../tools/apilint/node_modules/.bin/redocly lint --config redocly.yaml --format=stylish socialrx.openapi.json
	export PATH="$(CURDIR)/tools/apilint/.node/bin:$$PATH"; \
	cd gateway/openapi && ../../tools/apilint/node_modules/.bin/spectral lint --ruleset .spectral.yaml \
		--fail-severity=warn socialrx.openapi.json

.PHONY: breaking
breaking: tools protodeps ## buf breaking: do the protos break the gRPC contract of the previous commit (BREAKING_AGAINST)?
	BUF=$(BIN)/buf bash tools/breaking.sh

.PHONY: check-generated
check-generated: generate ## Fail when regeneration changes committed code.
	git diff --exit-code -- proto gateway/openapi go.mod go.sum
	test -z "$$(git status --porcelain -- proto gateway/openapi)" || { git status --porcelain -- proto gateway/openapi; exit 1; }

.PHONY: ci
ci: lint lint-openapi breaking check-generated test ## What CI runs.

.PHONY: clean
clean: ## Remove built tools and copied protos (not ./data).
	rm -rf bin third_party
