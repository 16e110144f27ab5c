package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/templates"
)

// pages holds one template set per page (layout + partials + the page), parsed once at start,
// so that pages cannot overwrite each other's blocks and a broken template stops the start.
type pages struct {
	sets map[string]*template.Template
}

func loadPages(messages *i18n.Bundle, files *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset": files.url,
		"t": func(lang, id string, pairs ...any) string {
			if len(pairs) == 0 {
				return messages.T(lang, id, nil)
			}
			return messages.T(lang, id, pairMap(pairs))
		},
		"count":     messages.Count,
		"plural":    messages.PluralForm,
		"longDate":  i18n.LongDate,
		"shortDate": i18n.ShortDate,
		"clock":     i18n.Clock,
		"span":      i18n.Span,
		"clockSpan": i18n.ClockSpan,
		"paragraphs": func(text string) []string {
			var out []string
			for _, p := range strings.Split(text, "\n\n") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
			return out
		},
		"join":    func(items []string) string { return strings.Join(items, ", ") },
		"listOf":  i18n.List,
		"list":    func(items ...any) []any { return items },
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"percent": roundPercent,
		"decimal": decimal,
	}
	partials, err := fs.Glob(templates.FS, "pages/_*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templates.FS, "pages/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if strings.HasPrefix(name, "_") || name == "layout" {
			continue
		}
		files := append([]string{"pages/layout.html"}, partials...)
		files = append(files, file)
		set, err := template.New(name).Funcs(funcs).ParseFS(templates.FS, files...)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.sets[name] = set
	}
	return p, nil
}

// pairMap turns "Key", value, "Key2", value2 into a map for message templates.
func pairMap(pairs []any) map[string]any {
	if len(pairs) == 0 {
		return nil
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[fmt.Sprint(pairs[i])] = pairs[i+1]
	}
	return m
}

// execute renders the page called name with data into w.
func (p *pages) execute(w io.Writer, name string, data any) error {
	set, ok := p.sets[name]
	if !ok {
		return fmt.Errorf("web: no page %q", name)
	}
	return set.ExecuteTemplate(w, "layout", data)
}

// view is what every page template gets: the language, the page title and the page's own data.
type view struct {
	Lang        string
	Title       string
	Path        string // the current path, for the language switch
	Canonical   string // this page's address, in its language
	Description string // for search results and link previews
	// Bare pages are shared on screen: no site header, language switch or footer around them.
	Bare bool
	Page any
}

// barePages are the pages rendered without the site's frame.
var barePages = map[string]bool{"present": true}

// aboutEvent is a page about one event: its subtitle describes the page.
type aboutEvent interface{ about() *event.Event }

func (v eventView) about() *event.Event      { return v.Event }
func (v manageView) about() *event.Event     { return v.Event }
func (v confirmView) about() *event.Event    { return v.Event }
func (v questionsView) about() *event.Event  { return v.Event }
func (v registeredView) about() *event.Event { return v.Event }

// pageView is the frame of a page: its language, title, address and description.
func (s *Server) pageView(c *gin.Context, title string, page any) view {
	lang := pageLang(c)
	v := view{Lang: lang, Title: title, Path: sitePath(c.Request.URL.Path), Page: page,
		Description: s.messages.T(lang, "site.tagline", nil)}
	v.Canonical = strings.TrimSuffix(s.cfg.BaseURL.String(), "/") + v.Path
	if lang == "en" {
		v.Canonical += "?lang=en"
	}
	if p, ok := page.(aboutEvent); ok && p.about() != nil {
		e := p.about()
		v.Description = e.Subtitle
		if v.Description == "" {
			v.Description = e.Title
		}
	}
	return v
}

// renderPage renders a page in the request's language. The page is rendered in full before
// anything is sent, so that a template failing halfway becomes a logged error page instead of
// half a page under a 200 (gin's c.HTML sends what it has).
func (s *Server) renderPage(c *gin.Context, status int, name, title string, page any) {
	var buf bytes.Buffer
	v := s.pageView(c, title, page)
	v.Bare = barePages[name]
	err := s.pages.execute(&buf, name, v)
	if err == nil {
		s.writeBody(c, status, "text/html; charset=utf-8", buf.Bytes())
		return
	}
	s.log.ErrorContext(c.Request.Context(), "page failed to render", "request_id", requestID(c), "route", routeLabel(c),
		"page", name, "error", err)
	lang := pageLang(c)
	if name != "error" {
		s.renderPage(c, http.StatusInternalServerError, "error", s.messages.T(lang, "error.internal.title", nil),
			s.messages.T(lang, "error.internal.text", map[string]any{"RequestID": requestID(c)}))
		return
	}
	s.writeBody(c, http.StatusInternalServerError, "text/plain; charset=utf-8",
		[]byte("Internal server error. Request id: "+requestID(c)+"\n"))
}

// sitePath makes a link on this site of a request's path. A path may start with "//" or "/\",
// which browsers read as another host (//evil.com/x); those leading characters collapse to one
// slash, so the link leads to the same path here.
func sitePath(p string) string {
	return "/" + strings.TrimLeft(p, `/\`)
}

// pageLang is the page language: German unless ?lang=en asks for English.
func pageLang(c *gin.Context) string {
	return i18n.Lang(c.Query("lang"))
}
