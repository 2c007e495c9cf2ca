# Papers — build, run and test. `make run` and `make test` work on a fresh Debian machine with Swift.
SWIFT ?= swift
DATA ?= $(HOME)/.local/share/papers
PREFIX ?= /usr/local
APT_PACKAGES := libsqlite3-dev libcurl4-openssl-dev libncursesw5-dev libssl-dev curl tmux litmus rclone
# What only the tests need: a real browser for the share links' HTML face.
TEST_PACKAGES := chromium
BENCH_PACKAGES := nginx-extras wrk curl rclone
PYTEST ?= python3 -m pytest

.PHONY: deps test-deps bench-deps build debug serve run install test test-unit test-e2e test-bench bench clean

# Installs system packages, only those missing.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

# What the build and the tests need.
deps:
	$(call apt_install,$(APT_PACKAGES))

test-deps:
	$(call apt_install,$(TEST_PACKAGES))

# What the benchmark needs: nginx with WebDAV (the reference), wrk, curl, rclone (the reference client),
# matplotlib for bench/growth.py's plot.
bench-deps:
	$(call apt_install,$(BENCH_PACKAGES))
	python3 -c 'import matplotlib' 2>/dev/null || python3 -m pip install -q matplotlib

build: deps
	$(SWIFT) build -c release --product papers

debug: deps
	$(SWIFT) build --product papers

serve: build
	.build/release/papers serve --data "$(DATA)"

# The terminal client over the bundled server (started in-process on a free loopback port).
run: build
	.build/release/papers tui --data "$(DATA)"

# The binary to $(PREFIX)/bin and the themes to $(PREFIX)/share/papers/themes, where the TUI finds them.
install: build
	install -D -m 0755 .build/release/papers "$(DESTDIR)$(PREFIX)/bin/papers"
	install -d "$(DESTDIR)$(PREFIX)/share/papers/themes"
	install -m 0644 themes/*.toml "$(DESTDIR)$(PREFIX)/share/papers/themes/"

# One throwaway PostgreSQL cluster (scripts/with-postgres) and one signature-checking S3 server
# (scripts/with-s3: moto) for the whole run; each target alone starts what it needs.
test: deps test-deps
	scripts/with-postgres scripts/with-s3 $(MAKE) test-unit test-bench test-e2e

# The store conformance suite runs on SQLite and on PostgreSQL.
test-unit:
	$(SWIFT) build --build-tests
	scripts/with-postgres $(SWIFT) test --skip-build --parallel --num-workers 2

# The end-to-end suite once per backend: SQLite, then PostgreSQL (tests about one backend itself are
# marked sqlite_only or postgres_only and run in that backend's pass only; the S3 tests run in the
# PostgreSQL pass).
test-e2e: debug
	scripts/with-postgres scripts/with-s3 sh -c 'PAPERS_BIN=$(CURDIR)/.build/debug/papers $(PYTEST) Tests/EndToEnd -q -p no:cacheprovider -m "not postgres_only" \
	  && PAPERS_TEST_BACKEND=postgres PAPERS_BIN=$(CURDIR)/.build/debug/papers $(PYTEST) Tests/EndToEnd -q -p no:cacheprovider -m "not sqlite_only"'

# The benchmark once at a tiny size with the debug binary: proves the script works, measures nothing.
test-bench: debug bench-deps
	scripts/with-postgres scripts/with-s3 python3 bench/run.py --quick --papers $(CURDIR)/.build/debug/papers
	scripts/with-postgres python3 bench/growth.py --quick --papers $(CURDIR)/.build/debug/papers

# Papers on SQLite and on PostgreSQL side by side with nginx, printed and written to bench/results/latest.md;
# then how cost grows (bench/results/growth.md and growth.png).
bench: build bench-deps
	scripts/with-postgres scripts/with-s3 python3 bench/run.py --papers $(CURDIR)/.build/release/papers
	scripts/with-postgres python3 bench/growth.py --papers $(CURDIR)/.build/release/papers

clean:
	rm -rf .build
