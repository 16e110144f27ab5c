package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/web"
)

// With PODIUM_METRICS_ADDR set, the public address has no /metrics; the metrics handler for the
// separate address counts the public address's requests.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://podium.test")
	cfg := &config.Config{BaseURL: base, RetentionDays: 180, ConfirmWithin: 48 * time.Hour, Secret: harnessSecret, MetricsAddr: "127.0.0.1:9090"}
	srv, err := web.New(dbtest.New(t), cfg, slog.New(slog.DiscardHandler), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	get := func(h http.Handler, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	get(srv.Handler(), "/api/v1/events")
	if rec := get(srv.Handler(), "/metrics"); rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "podium_http_requests_total") {
		t.Errorf("public /metrics: %d", rec.Code)
	}
	rec := get(srv.MetricsHandler(), "/metrics")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `podium_http_requests_total{method="GET",route="/api/v1/events",status="200"} 1`) {
		t.Errorf("metrics address /metrics: %d\n%.500s", rec.Code, rec.Body)
	}
	if rec := get(srv.MetricsHandler(), "/api/v1/events"); rec.Code != http.StatusNotFound {
		t.Errorf("the metrics address serves the API: %d", rec.Code)
	}
}
