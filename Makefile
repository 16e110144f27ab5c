# Podium: `make run` serves the demo on :8080, `make test` runs every test against a real PostgreSQL.
# Both start a PostgreSQL cluster of this checkout (.ci/postgres), installing the server if needed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
BIN := .data/bin/podium
DEMO_ADMIN := admin@podium.localhost
DEMO_PASSWORD := podium-demo-2020
# Mozilla's iCalendar parser: the tests read every calendar Podium writes with it.
ICALJS_VERSION := 2.2.1
ICALJS := .data/npm/node_modules/ical.js/dist/ical.es5.cjs
# Deque's accessibility engine, injected into every page by the browser tests.
AXE_VERSION := 4.14.1
AXE := .data/npm/node_modules/axe-core/axe.min.js

.PHONY: run test bench stop build clean screenshots

build:
	@mkdir -p .data/bin
	$(GO) build -o $(BIN) ./cmd/podium

# PODIUM_SECRET is made once per checkout so that signed cookies survive restarts.
.data/secret:
	@mkdir -p .data && umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' > $@

run: build .data/secret
	@export DATABASE_URL="$$(.ci/postgres start podium)"; \
	export PODIUM_SECRET="$$(cat .data/secret)"; \
	$(BIN) migrate; \
	echo "$(DEMO_PASSWORD)" | $(BIN) users add --email $(DEMO_ADMIN) --name "Demo Admin" --role admin --password-stdin --exist-ok >/dev/null; \
	token="$$($(BIN) tokens create --email $(DEMO_ADMIN) --name "make run")"; \
	printf "\n  Podium:     http://localhost:8080\n  Demo admin: %s / %s\n  API token:  %s\n  Try:        curl -H 'Authorization: Bearer %s' 'http://localhost:8080/api/v1/events?past=true'\n\n" \
		"$(DEMO_ADMIN)" "$(DEMO_PASSWORD)" "$$token" "$$token"; \
	exec $(BIN) serve --demo

$(ICALJS):
	@command -v npm >/dev/null || { echo "installing node and npm (Debian packages)"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	@mkdir -p .data/npm
	npm install --prefix .data/npm --no-audit --no-fund --loglevel=error ical.js@$(ICALJS_VERSION)

$(AXE): $(ICALJS)
	npm install --prefix .data/npm --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)

# Debian's Chromium for the browser tests; never a browser download.
/usr/bin/chromium:
	@echo "installing chromium (Debian package)"
	@apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

test: $(ICALJS) $(AXE) /usr/bin/chromium
	@unformatted="$$(gofmt -l cmd internal templates migrations)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	@export DATABASE_URL="$$(.ci/postgres start podium_test)"; \
	export PODIUM_ICALJS="$(CURDIR)/$(ICALJS)" PODIUM_AXE="$(CURDIR)/$(AXE)"; \
	$(GO) vet ./... && \
	$(GO) test -race -count=1 -parallel 8 -vet=off ./...

# Speed and capacity against this machine's own ceilings, on a fresh database; see README.
bench: build
	@export DATABASE_URL="$$(.ci/postgres fresh podium_bench)"; \
	$(BIN) migrate; \
	$(GO) run ./cmd/podium-bench -podium $(BIN) -json .data/bench.json

# The README's pictures: the main pages in Chromium and the attendee sheet in LibreOffice Calc.
screenshots: $(ICALJS) $(AXE) /usr/bin/chromium
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc poppler-utils >/dev/null; }
	@mkdir -p .screenshots
	@export DATABASE_URL="$$(.ci/postgres start podium_test)" PODIUM_AXE="$(CURDIR)/$(AXE)" PODIUM_SCREENSHOTS="$(CURDIR)/.screenshots"; \
	$(GO) test -count=1 -run 'TestBrowserAccessibility$$' ./internal/web
	@ls .screenshots

stop:
	@.ci/postgres stop

clean: stop
	rm -rf .data
