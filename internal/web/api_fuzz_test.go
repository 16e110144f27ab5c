package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/web"
)

// fuzzServer is a real server on a fresh database with the demo events, without rate limits,
// and an admin's API token, for fuzz targets that go through the router.
func fuzzServer(f *testing.F) (http.Handler, *sqlx.DB, string) {
	f.Helper()
	pool := dbtest.New(f)
	if err := demo.Load(context.Background(), pool, testNow, slog.New(slog.DiscardHandler)); err != nil {
		f.Fatal(err)
	}
	base, _ := url.Parse("http://podium.test")
	cfg := &config.Config{BaseURL: base, RetentionDays: 180, ConfirmWithin: 48 * time.Hour, Secret: harnessSecret}
	srv, err := web.New(pool, cfg, slog.New(slog.DiscardHandler), func() time.Time { return testNow })
	if err != nil {
		f.Fatal(err)
	}
	u, err := auth.CreateUser(context.Background(), pool, auth.NewUser{Email: "admin@example.org", Name: "Admin", Role: auth.RoleAdmin})
	if err != nil {
		f.Fatal(err)
	}
	token, _, err := auth.CreateToken(context.Background(), pool, u.ID, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	return srv.Handler(), pool, token
}

// serveWithin answers req, failing the test if the answer takes longer than a calendar or a
// page ever should.
func serveWithin(t *testing.T, h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(rec, req)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s %s: no answer within 20 s", req.Method, req.URL)
	}
	return rec
}

// FuzzCreateEvent posts any body as a new event: the answer is 201 or a 4xx problem, never a
// 500; an event that was created can be read as JSON, and once published its page, its calendar
// and the feed answer too.
func FuzzCreateEvent(f *testing.F) {
	for _, seed := range []string{
		validEvent,
		strings.Replace(validEvent, `"2027-03-04T17:00:00+01:00"`, `"9999-12-31T20:00:00-14:00"`, 1),
		strings.NewReplacer(`"2027-03-04T17:00:00+01:00"`, `"2040-12-31T17:00:00+01:00"`,
			`"2027-03-04T18:30:00+01:00"`, `"2040-12-31T18:30:00+01:00"`).Replace(validEvent),
		strings.Replace(validEvent, `["ÖFIT", "KGSt"]`, `null, "questions": null, "reminder_offsets": null`, 1),
		strings.Replace(validEvent, `"Digitale`, `"Digitale\u0000`, 1),
		strings.Replace(validEvent, `"Europe/Berlin"`, `"Pacific/Kiritimati"`, 1),
		"{\"title\": \"K\xf6ln\"}",
		`{"title": "x", "questions": [{"key": "typ", "label": "Typ", "kind": "select", "options": ["a", "\u0000"]}]}`,
		`{"title": "x", "organizer_name": "Anna \"Ann Meyer", "organizer_email": "anna@example.org", "starts_at": "2200-12-31T23:00:00Z", "ends_at": "2200-12-31T23:30:00Z"}`,
	} {
		f.Add(seed)
	}
	h, pool, token := fuzzServer(f)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/api/v1/events", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := serveWithin(t, h, req)
		switch rec.Code {
		case http.StatusCreated:
		case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			if rec.Header().Get("Content-Type") != "application/problem+json" || !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%d without a problem body: %s", rec.Code, rec.Body)
			}
			return
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var e struct{ Slug, Status string }
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Slug == "" {
			t.Fatalf("201 with %s (%v)", rec.Body, err)
		}
		defer pool.MustExec(`DELETE FROM events WHERE slug = $1`, e.Slug)
		paths := []string{"/api/v1/events/" + e.Slug}
		if e.Status == "published" { // pages know no API token: a draft is not found there
			paths = append(paths, "/events/"+e.Slug, "/events/"+e.Slug+".ics", "/events.ics", "/api/v1/events?past=true")
		}
		for _, path := range paths {
			get := httptest.NewRequest("GET", path, nil)
			get.Header.Set("Authorization", "Bearer "+token)
			if rec := serveWithin(t, h, get); rec.Code != http.StatusOK || rec.Body.Len() == 0 {
				t.Fatalf("GET %s of the new event: %d %s", path, rec.Code, rec.Body)
			}
		}
	})
}

// FuzzRegistrationForm submits any form body on the event page: the answer is the next page or
// the form again with its errors, never a 500.
func FuzzRegistrationForm(f *testing.F) {
	for _, seed := range []string{
		"name=Erika+Mustermann&email=erika%40pattensen.example&municipality=Pattensen&answers.kommunentyp=Die+Optimierer&consent=on",
		"name=Anna+%22Ann+Meyer&email=anna%40example.org&consent=on",
		"name=Meyer%5C&email=meyer%40example.org&consent=on",
		"name=K%F6ln&email=a%40example.org&consent=on",
		"name=Anna%00&email=a%40example.org&answers.kommunentyp=%00&consent=on",
		"name=&email=&consent=",
		"%zz", "a=%", ";;;", "answers.unbekannt=x&answers.kommunentyp=Die+Mutigen",
	} {
		f.Add(seed)
	}
	h, _, _ := fuzzServer(f)
	path := "/events/" + demo.FollowUpSlug + "/registrations"
	f.Fuzz(func(t *testing.T, form string) {
		req := httptest.NewRequest("POST", path, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		switch rec := serveWithin(t, h, req); rec.Code {
		case http.StatusSeeOther, http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// fuzzGetRoutes are the pages and API reads that take a slug, token or id in their path.
var fuzzGetRoutes = []string{
	"/events/%s", "/events/%s.ics", "/events/%s/registered", "/events/%s/questions", "/events/%s/present",
	"/r/%s", "/r/%s/confirm", "/api/v1/events/%s", "/api/v1/events/%s/panelists", "/api/v1/events/%s/agenda",
	"/api/v1/events/%s/registrations", "/api/v1/events/%s/questions", "/api/v1/events/%s/attendees.csv",
	"/api/v1/events/%s/audit", "/api/v1/events/%s/mail", "/api/v1/registrations/%s", "/api/v1/registrations/%s/invite.ics",
	"/", "/events.ics", "/api/v1/events", "/admin", "/login",
	"/r/%s/join", "/r/%s/join.ics",
}

// FuzzReadRoutes reads every page and API route with any path segment and any query, as an
// admin: the answer is never a 500.
func FuzzReadRoutes(f *testing.F) {
	for i := range fuzzGetRoutes {
		f.Add(uint8(i), demo.FollowUpSlug, "past=true&sort=new&status=confirmed&lang=en&limit=2")
		f.Add(uint8(i), "\xff", "q=%00")
		f.Add(uint8(i), "x\x00", "cursor=%FF&limit=-1&delimiter=tab")
		f.Add(uint8(i), "1.AAAAAAAAAAAAAAAAAAAAAA", "attended=ja&lang=fr")
	}
	h, _, token := fuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, segment, query string) {
		path := strings.Replace(fuzzGetRoutes[int(route)%len(fuzzGetRoutes)], "%s", url.PathEscape(segment), 1)
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawQuery = mustUnescape(path), query
		req.Header.Set("Authorization", "Bearer "+token)
		if rec := serveWithin(t, h, req); rec.Code >= 500 {
			t.Fatalf("GET %s?%s: %d %s", path, query, rec.Code, rec.Body)
		}
	})
}

func mustUnescape(path string) string {
	p, err := url.PathUnescape(path)
	if err != nil {
		return path
	}
	return p
}
