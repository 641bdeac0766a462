# wxctl: build, demo, test, bench, install. `make demo` and `make test` work
# on a fresh Debian or Ubuntu machine: `deps` installs what is missing (as
# root), or prints the exact command to run and fails.

GO        ?= go
BIN       := bin/wxctl
PREFIX    ?= /usr/local
# The version wxctl --version prints: the source's git description when
# there is one; without it wxctl reads the build's own information.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS   := $(if $(VERSION),-X github.com/wxctl/wxctl/cmd.Version=$(VERSION))
# Debian packages wxctl and its tests need besides a Chromium.
APT_PKGS  := libjs-angularjs xvfb
# Visible-window tests need a display; xvfb-run gives one when there is none.
XVFB      := $(if $(DISPLAY),,xvfb-run -a)

.PHONY: all build deps demo test vet lint tidy-check bench man completions install clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) .

# deps: the full chromium (for --show; Ubuntu names it chromium-browser)
# and chromium-headless-shell where the distribution packages it (Debian
# does, Ubuntu does not: wxctl then runs the full one headless).
deps:
	@have() { apt-cache show "$$1" 2>/dev/null | grep -q '^Package:'; }; \
	installed() { dpkg-query -W -f='$${Status}' "$$1" 2>/dev/null | grep -q "ok installed"; }; \
	wanted() { \
		pkgs="$(APT_PKGS)"; \
		if installed chromium || installed chromium-browser; then :; \
		elif have chromium; then pkgs="chromium $$pkgs"; \
		elif have chromium-browser; then pkgs="chromium-browser $$pkgs"; \
		else pkgs="chromium $$pkgs"; fi; \
		if have chromium-headless-shell || installed chromium-headless-shell; then pkgs="chromium-headless-shell $$pkgs"; fi; \
		missing=""; for p in $$pkgs; do installed $$p || missing="$$missing $$p"; done; \
		echo "$$missing"; \
	}; \
	if ! command -v apt-get >/dev/null; then \
		echo "make deps knows Debian and Ubuntu (apt-get); elsewhere install Chromium, AngularJS 1.8 and xvfb by hand"; exit 1; \
	fi; \
	missing=$$(wanted); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && missing=$$(wanted) && \
		echo "installing:$$missing" && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo "wxctl needs these packages:$$missing"; \
		echo "install them with:  sudo apt-get update && sudo apt-get install -y$$missing"; \
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

# tidy-check fails when go mod tidy would change go.mod or go.sum.
tidy-check:
	@$(GO) mod tidy -diff >/dev/null 2>&1 || { \
		echo "go.mod or go.sum is not tidy: run go mod tidy and commit the result"; \
		$(GO) mod tidy -diff; exit 1; }

test: deps vet lint tidy-check
	$(XVFB) $(GO) test -timeout 14m ./...

# Ratios against floors measured in the same run. The raw `go test -bench`
# output goes to bin/bench.txt (for benchstat); the table goes to stdout.
bench: deps
	@mkdir -p bin
	@{ $(GO) test -run '^$$' -bench 'WarmCall|Throughput' -benchtime 50x ./browser && \
	   $(GO) test -run '^$$' -bench 'ColdStart' -benchtime 10x ./cmd && \
	   $(GO) test -run '^$$' -bench 'ColdStartPhases' -benchtime 10x ./browser && \
	   $(GO) test -run '^$$' -bench 'Memory' -benchtime 1x ./browser && \
	   $(GO) test -run '^$$' -bench 'WatchEvents' -benchtime 3x ./browser; } > bin/bench.txt 2>&1 || \
	   { cat bin/bench.txt; exit 1; }
	@echo "machine: $$(nproc) cores, $$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)," \
	      "$$(/usr/lib/chromium/chromium-headless-shell --version 2>/dev/null || echo 'no chromium-headless-shell')," \
	      "$$($(GO) env GOVERSION)"
	@awk '/^Benchmark/ { name = $$1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$$/, "", name); \
	      for (i = 5; i < NF; i += 2) printf "%-16s %-30s %12s\n", name, $$(i+1), $$i }' bin/bench.txt

# The manual page and the shell completions come from wxctl's own
# definition of its commands and flags.
man: build
	./$(BIN) man > bin/wxctl.1

completions: build
	./$(BIN) completion bash > bin/wxctl.bash
	./$(BIN) completion zsh > bin/_wxctl
	./$(BIN) completion fish > bin/wxctl.fish

install: build man completions
	install -D -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/wxctl
	install -D -m 644 bin/wxctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/wxctl.1
	install -D -m 644 bin/wxctl.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/wxctl
	install -D -m 644 bin/_wxctl $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_wxctl
	install -D -m 644 bin/wxctl.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/wxctl.fish

clean:
	rm -rf bin
