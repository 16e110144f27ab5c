package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/db/dbtest"
)

// stoppableDatabase is the test's database behind a TCP relay that can be switched off, as if
// PostgreSQL stopped: open connections break, new ones are refused.
type stoppableDatabase struct {
	URL      string
	listener net.Listener
	mu       sync.Mutex
	conns    []net.Conn
}

func newStoppableDatabase(t *testing.T) *stoppableDatabase {
	t.Helper()
	_, target := dbtest.NewWithURL(t)
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	network, address := "tcp", u.Host
	if host := u.Query().Get("host"); strings.HasPrefix(host, "/") {
		port := u.Query().Get("port")
		if port == "" {
			port = "5432"
		}
		network, address = "unix", filepath.Join(host, ".s.PGSQL."+port)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &stoppableDatabase{listener: l}
	go func() {
		for {
			client, err := l.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial(network, address)
			if err != nil {
				client.Close()
				continue
			}
			s.mu.Lock()
			s.conns = append(s.conns, client, server)
			s.mu.Unlock()
			go func() { io.Copy(server, client); server.Close() }() //nolint:errcheck
			go func() { io.Copy(client, server); client.Close() }() //nolint:errcheck
		}
	}()
	t.Cleanup(s.stop)
	q := u.Query()
	q.Del("host")
	q.Del("port")
	u.Host, u.RawQuery = l.Addr().String(), q.Encode()
	s.URL = u.String()
	return s
}

// stop breaks every connection and refuses new ones.
func (s *stoppableDatabase) stop() {
	s.listener.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

// While the database is down, every request that needs it is answered 503 with Retry-After,
// as problem+json for the API and as a page for browsers; nothing is a 500, and a logged-in
// organizer keeps their session for when the database is back.
func TestDatabaseOutageAnswers503(t *testing.T) {
	t.Parallel()
	database := newStoppableDatabase(t)
	pool, err := db.Open(context.Background(), database.URL, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	h := newHarnessOn(t, pool)
	_, token := h.user("orga@example.org", auth.RoleOrganizer)
	slug := decode[eventBody](t, h.do("POST", "/api/v1/events", token, validEvent)).Slug
	eventUser(t, h.pool, 0, "kollegin@example.org", "")
	session := h.login("kollegin@example.org", testPassword)
	if session == nil {
		t.Fatal("no session cookie")
	}
	database.stop()

	api := []struct{ method, path, token, body string }{
		{"GET", "/api/v1/events", "", ""},
		{"GET", "/api/v1/events/" + slug, "", ""},
		{"POST", "/api/v1/events/" + slug + "/registrations", "", `{"name": "Erika", "email": "erika@example.org", "consent": true}`},
		{"GET", "/api/v1/registrations/irgendein-token", "", ""},
		{"GET", "/api/v1/events/" + slug + "/registrations", token, ""},
		{"PATCH", "/api/v1/events/" + slug, token, `{"title": "Neu"}`},
	}
	for _, c := range api {
		rec := h.do(c.method, c.path, c.token, c.body)
		p := expectProblem(t, rec, http.StatusServiceUnavailable)
		if rec.Header().Get("Retry-After") == "" || p.Type != "urn:podium:problem:unavailable" {
			t.Errorf("%s %s: Retry-After %q, type %q", c.method, c.path, rec.Header().Get("Retry-After"), p.Type)
		}
	}
	for _, path := range []string{"/", "/events/" + slug, "/events/" + slug + ".ics", "/events.ics", "/r/irgendein-token", "/admin"} {
		res := h.getPage(path, session)
		page := body(res)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Errorf("page %s: %d, Retry-After %q", path, res.StatusCode, res.Header.Get("Retry-After"))
		}
		if !strings.Contains(page, "vorübergehend nicht erreichbar") {
			t.Errorf("page %s does not say the service is away for a moment:\n%.300s", path, page)
		}
		if c := cookie(res, "podium_session"); c != nil && c.MaxAge < 0 {
			t.Errorf("page %s ended the session during the outage", path)
		}
	}
	if strings.Contains(h.logs.String(), `"level":"ERROR"`) {
		t.Errorf("the outage is logged as errors of the code:\n%.500s", h.logs.String())
	}
}
