package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/templates"
)

// get requests path with the given Accept-Encoding ("" for none).
func (h *harness) get(path, acceptEncoding string) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec
}

// decoded returns a response's body as the browser reads it, after its Content-Encoding.
func decoded(t *testing.T, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	var r io.Reader = rec.Body
	switch enc := rec.Header().Get("Content-Encoding"); enc {
	case "":
	case "gzip":
		gz, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = gz
	case "zstd":
		zr, err := zstd.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	default:
		t.Fatalf("unknown Content-Encoding %q", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	linkedFile = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
	cssURL     = regexp.MustCompile(`url\("?(\./[^")]+)"?\)`)
)

// Every file a page links to is there, under a URL that names its version and is kept for a
// year, and so is every font its stylesheets name; the browser's /favicon.ico too.
func TestPagesFindTheirFiles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	seen := map[string]bool{}
	for _, page := range []string{"/", "/events/" + demo.WebsessionSlug, "/events/" + demo.WebsessionSlug + "/questions", "/login"} {
		rec := h.get(page, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", page, rec.Code)
		}
		links := linkedFile.FindAllStringSubmatch(rec.Body.String(), -1)
		if len(links) < 4 {
			t.Errorf("%s links to %d static files, want the stylesheets and icons", page, len(links))
		}
		for _, m := range links {
			seen[html.UnescapeString(m[1])] = true
		}
	}
	if linkedOnce(t, seen, "live.js") == "" {
		t.Error("no page links to live.js")
	}
	for file := range seen {
		rec := h.get(file, "")
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d", file, rec.Code)
			continue
		}
		if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q, want a year, immutable", file, got)
		}
		if !strings.HasSuffix(file, ".css") {
			continue
		}
		dir := file[:strings.LastIndex(file, "/")+1]
		for _, m := range cssURL.FindAllStringSubmatch(rec.Body.String(), -1) {
			font := dir + strings.TrimPrefix(m[1], "./")
			if got := h.get(font, "").Code; got != http.StatusOK {
				t.Errorf("%s names %s: %d", file, font, got)
			}
		}
	}
	icon := h.get("/favicon.ico", "")
	if icon.Code != http.StatusOK || icon.Header().Get("Content-Type") != "image/png" || icon.Body.Len() < 100 {
		t.Errorf("/favicon.ico: %d %s, %d bytes", icon.Code, icon.Header().Get("Content-Type"), icon.Body.Len())
	}
}

// linkedOnce returns the one linked URL that ends in name.
func linkedOnce(t *testing.T, links map[string]bool, name string) string {
	t.Helper()
	for l := range links {
		if strings.HasSuffix(l, "/"+name) {
			return l
		}
	}
	return ""
}

// Static files go out compressed, as the client prefers and as they were compressed at start,
// and the same bytes after decoding; an unversioned or outdated URL still works but is checked
// every time, so a changed stylesheet reaches every browser on its next page.
func TestStaticFilesCompressedAndVersioned(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	links := map[string]bool{}
	for _, m := range linkedFile.FindAllStringSubmatch(h.get("/login", "").Body.String(), -1) {
		links[m[1]] = true
	}
	kern := linkedOnce(t, links, "kern.css")
	if kern == "" {
		t.Fatal("the login page links to no kern.css")
	}
	plain := h.get(kern, "")
	file, err := fs.ReadFile(templates.FS, "static/kern/kern.css")
	if err != nil {
		t.Fatal(err)
	}
	if plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), file) {
		t.Fatalf("without Accept-Encoding: %q, %d bytes", plain.Header().Get("Content-Encoding"), plain.Body.Len())
	}
	for _, tc := range []struct{ accept, want string }{
		{"gzip", "gzip"},
		{"gzip, deflate, br, zstd", "zstd"},
		{"zstd;q=0.5, gzip", "gzip"},
		{"gzip;q=0", ""},
		{"*", "zstd"},
		{"br", ""},
	} {
		rec := h.get(kern, tc.accept)
		if got := rec.Header().Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.want)
		}
		if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: no Vary: Accept-Encoding", tc.accept)
		}
		if tc.want != "" && rec.Body.Len() > plain.Body.Len()/4 {
			t.Errorf("%s: %d of %d bytes", tc.want, rec.Body.Len(), plain.Body.Len())
		}
		if !bytes.Equal(decoded(t, rec), plain.Body.Bytes()) {
			t.Errorf("Accept-Encoding %q: the decoded file differs", tc.accept)
		}
	}
	for _, old := range []string{"/static/kern/kern.css", "/static/000000000000/kern/kern.css"} {
		rec := h.get(old, "gzip")
		if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "public, no-cache" {
			t.Errorf("%s: %d, Cache-Control %q", old, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	if got := h.get("/static/kern/nichts.css", "").Code; got != http.StatusNotFound {
		t.Errorf("a missing file: %d", got)
	}
}

// Pages and JSON are compressed for clients that accept it, and kept by no shared cache; so is
// the questions page a newcomer gets from the page cache, compressed once when it was rendered.
func TestResponsesCompressed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	for _, path := range []string{"/events/" + demo.WebsessionSlug, "/api/v1/events?past=true", "/events/" + demo.WebsessionSlug + "/questions"} {
		plain := h.get(path, "")
		rec := h.get(path, "gzip")
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: %d, Content-Encoding %q", path, rec.Code, rec.Header().Get("Content-Encoding"))
			continue
		}
		if !bytes.Equal(decoded(t, rec), plain.Body.Bytes()) {
			t.Errorf("%s: the decoded body differs", path)
		}
		if got := rec.Header().Get("Cache-Control"); !strings.Contains(got, "private") {
			t.Errorf("%s: Cache-Control %q, want private", path, got)
		}
	}
}

// A link to an event shared in mail or chat shows its title and subtitle; search engines get
// the same description and the page's one address.
func TestEventPageDescribesItself(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	var e struct {
		Title    string `json:"title"`
		Subtitle string `json:"subtitle"`
	}
	if err := json.Unmarshal(h.get("/api/v1/events/"+demo.WebsessionSlug, "").Body.Bytes(), &e); err != nil || e.Subtitle == "" {
		t.Fatalf("event JSON: %v, subtitle %q", err, e.Subtitle)
	}
	body := html.UnescapeString(h.get("/events/"+demo.WebsessionSlug+"?lang=en", "").Body.String())
	for _, want := range []string{
		`<meta name="description" content="` + e.Subtitle + `">`,
		`<meta property="og:title" content="` + e.Title + `">`,
		`<meta property="og:description" content="` + e.Subtitle + `">`,
		`<link rel="canonical" href="http://podium.test/events/` + demo.WebsessionSlug + `?lang=en">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("event page lacks %s", want)
		}
	}
	if home := h.get("/", "").Body.String(); !strings.Contains(home, `<meta name="description" content="Veranstaltungen und Websessions`) {
		t.Error("start page has no German description")
	}
}
