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
# Google's page audit, driving Debian's Chromium for `make audit`.
LIGHTHOUSE_VERSION := 12.8.2
LIGHTHOUSE := .data/npm/node_modules/.bin/lighthouse

.PHONY: run test bench audit assets stop build clean screenshots

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

$(LIGHTHOUSE): $(ICALJS)
	npm install --prefix .data/npm --no-audit --no-fund --loglevel=error lighthouse@$(LIGHTHOUSE_VERSION)

# KERN UX, the design system of German public administration, cut to what the pages use by
# `make assets`: the stylesheet's rules for the classes in templates/ (PurgeCSS), and the three
# Fira Sans weights those rules name with the glyphs of Latin-script names and German text.
KERN_VERSION := 2.7.2
PURGECSS_VERSION := 8.0.0
PURGECSS := .data/npm/node_modules/.bin/purgecss
FONT_WEIGHTS := Regular Medium SemiBold
FONT_UNICODES := U+0000-017F,U+0192,U+0218-021B,U+02BB-02BC,U+02C6-02C7,U+02D8-02DD,U+1E9E,U+2000-206F,U+20AC,U+2116,U+2122,U+2190-2193,U+2212,U+2215,U+FEFF,U+FFFD

$(PURGECSS): $(ICALJS)
	npm install --prefix .data/npm --no-audit --no-fund --loglevel=error purgecss@$(PURGECSS_VERSION)

/usr/bin/pyftsubset:
	@apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonttools python3-brotli >/dev/null

assets: $(PURGECSS) /usr/bin/pyftsubset
	@rm -rf .data/kern && mkdir -p .data/kern
	npm pack --silent --pack-destination .data/kern @kern-ux/native@$(KERN_VERSION) >/dev/null
	tar -xzf .data/kern/kern-ux-native-$(KERN_VERSION).tgz -C .data/kern
	$(PURGECSS) --css .data/kern/package/dist/kern.min.css --keyframes --output .data/kern \
		--content 'templates/pages/*.html' 'templates/static/*.js' 'internal/web/*.go'
	cp .data/kern/kern.min.css templates/static/kern/kern.css
	cp .data/kern/package/LICENSE.md templates/static/kern/LICENSE.md
	rm -rf templates/static/kern/fonts && mkdir -p templates/static/kern/fonts
	for w in $(FONT_WEIGHTS); do \
		/usr/bin/pyftsubset .data/kern/package/dist/fonts/fira-sans/FiraSans-$$w.woff2 --unicodes='$(FONT_UNICODES)' \
			--flavor=woff2 --name-IDs='*' --output-file=templates/static/kern/fonts/FiraSans-$$w.woff2 2>/dev/null; \
	done
	# The attendance certificates embed the same font as TrueType, which PDF takes.
	mkdir -p templates/certificate
	for w in Regular SemiBold; do \
		/usr/bin/pyftsubset .data/kern/package/dist/fonts/fira-sans/FiraSans-$$w.woff2 --unicodes='$(FONT_UNICODES)' \
			--name-IDs='*' --output-file=templates/certificate/FiraSans-$$w.ttf 2>/dev/null; \
	done
	@ls -l templates/static/kern templates/static/kern/fonts

# Debian's Chromium for the browser tests; never a browser download.
/usr/bin/chromium:
	@echo "installing chromium (Debian package)"
	@apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# Poppler's pdftotext reads the attendance certificates as a person's PDF viewer would.
/usr/bin/pdftotext:
	@echo "installing poppler-utils (Debian package)"
	@apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null

test: $(ICALJS) $(AXE) /usr/bin/chromium /usr/bin/pdftotext
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

# Lighthouse on the demo's main pages as a phone on slow 4G loads them; see README.
audit: build $(LIGHTHOUSE) /usr/bin/chromium
	@export DATABASE_URL="$$(.ci/postgres fresh podium_audit)"; \
	PODIUM_LOG_LEVEL=warn $(BIN) migrate; \
	$(GO) run ./cmd/podium-audit -podium $(BIN) -lighthouse $(LIGHTHOUSE)

# The README's pictures: the main pages in Chromium and the attendee sheet in LibreOffice Calc.
screenshots: $(ICALJS) $(AXE) /usr/bin/chromium
	@command -v soffice >/dev/null && command -v pdftoppm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc poppler-utils >/dev/null; }
	@mkdir -p .screenshots
	@export DATABASE_URL="$$(.ci/postgres start podium_test)" PODIUM_AXE="$(CURDIR)/$(AXE)" PODIUM_SCREENSHOTS="$(CURDIR)/.screenshots"; \
	$(GO) test -count=1 -run 'TestBrowserAccessibility$$' ./internal/web && \
	$(GO) test -count=1 -run 'TestPDFReadsAsACertificate$$' ./internal/certificate
	@ls .screenshots

stop:
	@.ci/postgres stop

clean: stop
	rm -rf .data
