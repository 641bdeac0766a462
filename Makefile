# wxctl: build, demo, test, bench. `make demo` and `make test` work on a fresh
# Debian machine: `deps` installs what is missing (as root), or prints the
# exact command to run.

GO        ?= go
BIN       := bin/wxctl
APT_PKGS  := chromium chromium-headless-shell libjs-angularjs xvfb
# Visible-window tests need a display; xvfb-run gives one when there is none.
XVFB      := $(if $(DISPLAY),,xvfb-run -a)

.PHONY: all build deps demo test vet bench clean

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

test: deps vet
	$(XVFB) $(GO) test -timeout 14m ./...

# Ratios against floors measured in the same run; one line per benchmark.
bench: deps
	$(GO) test -run '^$$' -bench 'WarmCall|Throughput' -benchtime 50x ./browser
	$(GO) test -run '^$$' -bench 'ColdStart' -benchtime 10x ./cmd
	$(GO) test -run '^$$' -bench 'Memory' -benchtime 1x ./browser

clean:
	rm -rf bin
