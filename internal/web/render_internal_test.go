package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db/dbtest"
)

// A page whose template fails halfway is not sent as half a page under a 200: the person sees the
// error page with the request id, and the log says which page failed and why.
func TestPageThatFailsToRenderIsAnErrorPage(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://podium.test")
	var logs bytes.Buffer
	s, err := New(dbtest.New(t), &config.Config{BaseURL: base}, slog.New(slog.NewJSONHandler(&logs, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	// The event page reads .Page.Event; a string has none, so the template fails after the header.
	s.engine.GET("/broken", func(c *gin.Context) { s.renderPage(c, http.StatusOK, "event", "Fest", "keine Veranstaltung") })
	req := httptest.NewRequest("GET", "/broken", nil)
	req.Header.Set("X-Request-ID", "0123456789abcdef")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)

	page := rec.Body.String()
	if rec.Code != http.StatusInternalServerError || strings.Count(page, "<!DOCTYPE html>") != 1 || !strings.Contains(page, "0123456789abcdef") {
		t.Errorf("status %d, page:\n%s", rec.Code, page)
	}
	if !strings.Contains(logs.String(), `"msg":"page failed to render"`) || !strings.Contains(logs.String(), `"request_id":"0123456789abcdef"`) {
		t.Errorf("log:\n%s", logs.String())
	}
}
