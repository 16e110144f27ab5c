package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/web"
)

var hrefs = regexp.MustCompile(`href="([^"]*)"`)

// Links a page builds from the request's path stay on this site, whatever the path: a 404 for
// //evil.com/x must not offer a language switch to evil.com.
func TestLinksFromTheRequestPathStayOnSite(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, path := range []string{"//evil.com/x", "///evil.com/x", `/\evil.com/x`, `/\/evil.com`, "/%2F%2Fevil.com/x", "//evil.com/x?lang=en"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL, _ = url.ParseRequestURI(path)
		req.RequestURI = path
		rec := httptest.NewRecorder()
		h.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, rec.Code)
		}
		for _, m := range hrefs.FindAllStringSubmatch(rec.Body.String(), -1) {
			// The page's canonical address is absolute, on the configured site.
			link := strings.TrimPrefix(strings.ReplaceAll(m[1], "&#92;", `\`), "http://podium.test")
			if strings.HasPrefix(link, "#") {
				continue
			}
			if !strings.HasPrefix(link, "/") || strings.HasPrefix(link, "//") || strings.HasPrefix(link, `/\`) {
				t.Errorf("the 404 page for %s links off site: %s", path, m[1])
			}
		}
	}
}

// Only a published event's calendar may be kept by shared caches; a draft's, which only its
// organizers see, is private and not stored.
func TestDraftCalendarIsNotCached(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	draft := decode[eventBody](t, h.do("POST", "/api/v1/events", token, strings.Replace(validEvent, `"published"`, `"draft"`, 1)))
	eventUser(t, h.pool, draft.ID, "kollegin@example.org", auth.EventOrganizer)
	session := h.login("kollegin@example.org", testPassword)
	res := h.getPage("/events/"+draft.Slug+".ics", session)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("draft calendar for its organizer: %d", res.StatusCode)
	}
	if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "public") || !strings.Contains(cc, "no-store") || !strings.Contains(cc, "private") {
		t.Errorf("a draft's calendar is sent with Cache-Control %q", cc)
	}
	if res := h.getPage("/events/" + draft.Slug + ".ics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("draft calendar for anyone: %d", res.StatusCode)
	}

	published := decode[eventBody](t, h.do("POST", "/api/v1/events", token, validEvent))
	if cc := h.getPage("/events/" + published.Slug + ".ics").Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
		t.Errorf("a published event's calendar is sent with Cache-Control %q", cc)
	}
	h.do("POST", "/api/v1/events/"+published.Slug+"/cancel", token, "")
	if cc := h.getPage("/events/" + published.Slug + ".ics").Header.Get("Cache-Control"); strings.Contains(cc, "public") {
		t.Errorf("a cancelled event's calendar is sent with Cache-Control %q", cc)
	}
}

// Behind https, browsers are told to use nothing else (HSTS); behind plain http, where the header
// would mean nothing, it is not sent.
func TestStrictTransportSecurity(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	for _, base := range []string{"https://podium.example.org", "http://localhost:8080"} {
		u, _ := url.Parse(base)
		cfg := &config.Config{BaseURL: u, RetentionDays: 180, ConfirmWithin: 48 * time.Hour, Secret: harnessSecret}
		srv, err := web.New(pool, cfg, slog.New(slog.DiscardHandler), time.Now)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/", "/api/v1/events", "/nichts"} {
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			hsts := rec.Header().Get("Strict-Transport-Security")
			switch {
			case u.Scheme == "https" && !strings.HasPrefix(hsts, "max-age="):
				t.Errorf("%s%s: Strict-Transport-Security %q", base, path, hsts)
			case u.Scheme == "http" && hsts != "":
				t.Errorf("%s%s sends Strict-Transport-Security over http", base, path)
			}
		}
	}
}
