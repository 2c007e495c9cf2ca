# Papers — build, run and test. `make run` and `make test` work on a fresh Debian machine with Swift.
SWIFT ?= swift
DATA ?= $(HOME)/.local/share/papers
APT_PACKAGES := libsqlite3-dev libcurl4-openssl-dev libncursesw5-dev libssl-dev curl tmux
PYTEST ?= python3 -m pytest

.PHONY: deps build debug serve run test test-unit test-e2e bench clean

# Installs the system packages the build and the tests need, only those missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product papers

debug: deps
	$(SWIFT) build --product papers

serve: build
	.build/release/papers serve --data "$(DATA)"

# The terminal client over the bundled server (started in-process on a free loopback port).
run: build
	.build/release/papers tui --data "$(DATA)"

test: deps test-unit test-e2e

test-unit:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2

test-e2e: debug
	PAPERS_BIN=$(CURDIR)/.build/debug/papers $(PYTEST) Tests/EndToEnd -q -p no:cacheprovider

bench:
	@echo "make bench: the benchmark arrives with its own issue (#4)."

clean:
	rm -rf .build
