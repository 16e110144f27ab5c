package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/web"
)

// harness is a real server on a fresh database, driven through its HTTP handler.
type harness struct {
	t       *testing.T
	pool    *sqlx.DB
	handler http.Handler
	now     time.Time
	logs    *syncBuffer
}

// harnessSecret is the harness's PODIUM_SECRET.
var harnessSecret = bytes.Repeat([]byte("s"), 32)

// testNow is the harness clock: a Wednesday in November 2026.
var testNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func newHarness(t *testing.T) *harness {
	t.Helper()
	pool := dbtest.New(t)
	return newHarnessOn(t, pool)
}

func newHarnessOn(t *testing.T, pool *sqlx.DB) *harness {
	t.Helper()
	return newHarnessWith(t, pool, true)
}

func newHarnessWith(t *testing.T, pool *sqlx.DB, rateLimits bool) *harness {
	t.Helper()
	base, _ := url.Parse("http://podium.test")
	cfg := &config.Config{BaseURL: base, RetentionDays: 180, ConfirmWithin: 48 * time.Hour, RateLimits: rateLimits, Secret: harnessSecret,
		JoinOpensBefore: config.DefaultJoinOpensBefore}
	h := &harness{t: t, pool: pool, now: testNow, logs: &syncBuffer{}}
	log := slog.New(slog.NewJSONHandler(h.logs, nil))
	srv, err := web.New(pool, cfg, log, func() time.Time { return h.now })
	if err != nil {
		t.Fatal(err)
	}
	h.handler = srv.Handler()
	return h
}

// user creates a user with a global role and returns them with a fresh API token.
func (h *harness) user(email, role string) (*auth.User, string) {
	h.t.Helper()
	ctx := context.Background()
	u, err := auth.CreateUser(ctx, h.pool, auth.NewUser{Email: email, Name: "Person " + role, Role: role})
	if err != nil {
		h.t.Fatal(err)
	}
	secret, _, err := auth.CreateToken(ctx, h.pool, u.ID, "test")
	if err != nil {
		h.t.Fatal(err)
	}
	return u, secret
}

// do sends a request; token may be empty, body may be "" or a JSON string.
func (h *harness) do(method, path, token, body string) *httptest.ResponseRecorder {
	h.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec
}

// problemBody is a problem+json answer.
type problemBody struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// expectProblem checks status and content type of an error answer and returns its body.
func expectProblem(t *testing.T, rec *httptest.ResponseRecorder, status int) problemBody {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p problemBody
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body: %v: %s", err, rec.Body)
	}
	if p.Status != status {
		t.Fatalf("problem status %d, want %d", p.Status, status)
	}
	return p
}

// fields lists the fields a problem names.
func (p problemBody) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

func (p problemBody) names(field string) bool {
	for _, e := range p.Errors {
		if e.Field == field {
			return true
		}
	}
	return false
}

// eventBody is the part of an event answer the tests look at.
type eventBody struct {
	ID                   int64     `json:"id"`
	Slug                 string    `json:"slug"`
	Title                string    `json:"title"`
	Status               string    `json:"status"`
	StartsAt             time.Time `json:"starts_at"`
	EndsAt               time.Time `json:"ends_at"`
	Timezone             string    `json:"timezone"`
	Hosts                []string  `json:"hosts"`
	Revision             int       `json:"revision"`
	Capacity             *int      `json:"capacity"`
	RegistrationClosesAt time.Time `json:"registration_closes_at"`
	ReminderOffsets      []string  `json:"reminder_offsets"`
	OrganizerEmail       string    `json:"organizer_email"`
	Questions            []struct {
		Key     string   `json:"key"`
		Options []string `json:"options"`
	} `json:"questions"`
	Panelists []struct {
		Municipality string `json:"municipality"`
	} `json:"panelists"`
	Agenda []struct {
		Title       string  `json:"title"`
		PanelistIDs []int64 `json:"panelist_ids"`
	} `json:"agenda"`
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, rec.Body)
	}
	return v
}

// validEvent is a create body that passes validation.
const validEvent = `{
	"title": "Digitale Verwaltung im Gespräch",
	"starts_at": "2027-03-04T17:00:00+01:00",
	"ends_at": "2027-03-04T18:30:00+01:00",
	"timezone": "Europe/Berlin",
	"hosts": ["ÖFIT", "KGSt"],
	"status": "published"
}`

// syncBuffer collects log output written from request goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testPassword is the password of every account eventUser makes.
const testPassword = "ein sicheres Passwort"

// eventUser makes an account that logs in with testPassword and, unless role is empty, holds
// that role on the event.
func eventUser(t *testing.T, pool *sqlx.DB, eventID int64, email, role string) *auth.User {
	t.Helper()
	ctx := context.Background()
	u, err := auth.CreateUser(ctx, pool, auth.NewUser{Email: email, Name: strings.Split(email, "@")[0], Role: auth.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	// The password at bcrypt's lowest cost: the tests log in dozens of times under the race
	// detector, and what they check (the login, its limit) does not depend on the cost.
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	pool.MustExec(`UPDATE users SET password_hash = $2 WHERE id = $1`, u.ID, string(hash))
	if role != "" {
		if err := auth.SetEventRole(ctx, pool, eventID, u.ID, role); err != nil {
			t.Fatal(err)
		}
	}
	return u
}
