# wxctl: build, demo, test, bench. `make demo` and `make test` work on a fresh
# Debian machine: `deps` installs what is missing (as root), or prints the
# exact command to run.

GO        ?= go
BIN       := bin/wxctl
APT_PKGS  := chromium chromium-headless-shell libjs-angularjs xvfb
# Visible-window tests need a display; xvfb-run gives one when there is none.
XVFB      := $(if $(DISPLAY),,xvfb-run -a)

.PHONY: all build deps demo test vet lint bench clean

all: build

build:
	$(GO) build -o $(BIN) .

deps:
	@missing=""; \
	for p in $(APT_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing; \
	else \
		echo "wxctl needs these Debian packages:$$missing"; \
		echo "install them with:  sudo apt-get install -y$$missing"; \
		exit 1; \
	fi

demo: deps build
	./$(BIN) demo

vet:
	$(GO) vet ./...

# actionlint, pinned in go.mod as a tool, lints .github/workflows and, through
# the workflow that uses it, action.yml's metadata (action_test.go checks the
# action's steps and expressions, which actionlint does not read).
lint:
	$(GO) tool actionlint

test: deps vet lint
	$(XVFB) $(GO) test -timeout 14m ./...

# Ratios against floors measured in the same run. The raw `go test -bench`
# output goes to bin/bench.txt (for benchstat); the table goes to stdout.
bench: deps
	@mkdir -p bin
	@{ $(GO) test -run '^$$' -bench 'WarmCall|Throughput' -benchtime 50x ./browser && \
	   $(GO) test -run '^$$' -bench 'ColdStart' -benchtime 10x ./cmd && \
	   $(GO) test -run '^$$' -bench 'ColdStartPhases' -benchtime 10x ./browser && \
	   $(GO) test -run '^$$' -bench 'Memory' -benchtime 1x ./browser; } > bin/bench.txt 2>&1 || \
	   { cat bin/bench.txt; exit 1; }
	@echo "machine: $$(nproc) cores, $$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)," \
	      "$$(/usr/lib/chromium/chromium-headless-shell --version 2>/dev/null || echo 'no chromium-headless-shell')," \
	      "$$($(GO) env GOVERSION)"
	@awk '/^Benchmark/ { name = $$1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$$/, "", name); \
	      for (i = 5; i < NF; i += 2) printf "%-16s %-30s %12s\n", name, $$(i+1), $$i }' bin/bench.txt

clean:
	rm -rf bin
