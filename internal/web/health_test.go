package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
)

// A load balancer sees a live process, and whether it can reach its database.
func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if rec := h.do("GET", "/healthz", "", ""); rec.Code != http.StatusOK {
		t.Errorf("healthz: %d", rec.Code)
	}
	if rec := h.do("GET", "/readyz", "", ""); rec.Code != http.StatusOK {
		t.Errorf("readyz with database: %d", rec.Code)
	}

	unreachable, err := sqlx.Open("postgres", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer unreachable.Close()
	down := newHarnessOn(t, unreachable)
	if rec := down.do("GET", "/healthz", "", ""); rec.Code != http.StatusOK {
		t.Errorf("healthz without database: %d", rec.Code)
	}
	if rec := down.do("GET", "/readyz", "", ""); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz without database: %d, want 503", rec.Code)
	}
}

// Prometheus sees requests by route and status, latencies and the connection pool.
func TestMetrics(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("GET", "/api/v1/events", "", "")
	h.do("GET", "/api/v1/events/nichts", "", "")
	body := h.do("GET", "/metrics", "", "").Body.String()
	for _, want := range []string{
		`podium_http_requests_total{method="GET",route="/api/v1/events",status="200"} 1`,
		`podium_http_requests_total{method="GET",route="/api/v1/events/:slug",status="404"} 1`,
		`podium_http_request_duration_seconds_bucket{method="GET",route="/api/v1/events"`,
		`go_sql_open_connections{db_name="podium"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// One log line per request, with the route but no path, email address or token.
func TestRequestLogsCarryNoPersonalData(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, token := h.user("erika.mustermann@example.org", auth.RoleOrganizer)
	body := strings.Replace(validEvent, `"status"`, `"organizer_email": "erika.mustermann@example.org", "organizer_name": "Erika Mustermann", "status"`, 1)
	h.do("POST", "/api/v1/events", token, body)
	h.do("GET", "/events/digitale-verwaltung-im-gespraech", "", "")

	logs := h.logs.String()
	if !strings.Contains(logs, `"route":"/api/v1/events"`) || !strings.Contains(logs, `"route":"/events/:slug"`) {
		t.Fatalf("requests not logged by route: %s", logs)
	}
	for _, secret := range []string{"erika.mustermann", "Mustermann", token, "digitale-verwaltung-im-gespraech"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}
