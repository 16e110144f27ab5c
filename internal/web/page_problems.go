package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/i18n"
)

// pageProblem is a domain error as a page shows it in place: the status the page answers with,
// what is wrong with each field at fault (by field name), and one text that says it all, with
// the fields named as the page names them.
type pageProblem struct {
	Status int
	Fields map[string]string
	Text   string
}

// problemOf is the one mapping of domain errors to what pages say, as respondError is for the
// API: bad input (422), a clash with the current state (409, the texts of the conflict's code),
// a change made from an outdated copy (409). Every text comes from the catalogs in the page's
// language, never the English message meant for developers. fieldText, if not nil, words a
// field's problem for a form that speaks to attendees in its own words; where it returns "", the
// problem's catalog text stands. It tells whether err is such an error; any other goes to
// pageError.
func (s *Server) problemOf(lang string, err error, fieldText func(domain.FieldError) string) (pageProblem, bool) {
	var (
		invalid  *domain.ValidationError
		conflict *domain.ConflictError
	)
	p := pageProblem{Fields: map[string]string{}}
	switch {
	case errors.As(err, &invalid):
		p.Status = http.StatusUnprocessableEntity
		var summary []string
		for _, f := range invalid.Fields {
			text := ""
			if fieldText != nil {
				text = fieldText(f)
			}
			if text == "" {
				text = s.problemText(lang, f)
			}
			if _, seen := p.Fields[f.Field]; !seen {
				p.Fields[f.Field] = text
			}
			summary = append(summary, s.fieldLabel(lang, f.Field)+": "+text)
		}
		p.Text = strings.Join(summary, " ")
	case errors.As(err, &conflict):
		p.Status, p.Text = http.StatusConflict, s.conflictText(lang, conflict)
		if conflict.Field != "" {
			p.Fields[conflict.Field] = p.Text
		}
	case errors.Is(err, domain.ErrStale):
		p.Status, p.Text = http.StatusConflict, s.messages.T(lang, "error.stale", nil)
	default:
		return p, false
	}
	return p, true
}

// conflictText says in the page's language why something could not be done: the catalog's text
// for the conflict's code (TestEveryErrorCodeIsTranslated sees that every code has one), or a
// general one.
func (s *Server) conflictText(lang string, conflict *domain.ConflictError) string {
	id := "conflict." + conflict.Code
	if text := s.messages.T(lang, id, s.localParams(lang, conflict.Params)); conflict.Code != "" && text != id {
		return text
	}
	return s.messages.T(lang, "error.conflict.text", nil)
}

// problemText says in the page's language what is wrong with a field: the catalog's text for
// the problem's code, or a general one.
func (s *Server) problemText(lang string, f domain.FieldError) string {
	id := "problem." + f.Code
	if text := s.messages.T(lang, id, s.localParams(lang, f.Params)); f.Code != "" && text != id {
		return text
	}
	return s.messages.T(lang, "error.invalid.text", nil)
}

// localParams are a problem's values as its text shows them: a time as people in the language
// write it, in its own zone ("29.10.2020, 17:00 Uhr"), and the field that Other names by its
// label. The API sends the values as they are.
func (s *Server) localParams(lang string, params domain.Params) map[string]any {
	if len(params) == 0 {
		return nil
	}
	out := make(map[string]any, len(params))
	for k, v := range params {
		switch v := v.(type) {
		case time.Time:
			out[k] = i18n.ShortDate(v, v.Location(), lang) + ", " + i18n.Clock(v, v.Location(), lang)
		case string:
			if k == "Other" {
				out[k] = s.fieldLabel(lang, v)
			} else {
				out[k] = v
			}
		default:
			out[k] = v
		}
	}
	return out
}

// fieldLabel names a field as forms label it ("starts_at" is "Beginn"); a field within a list
// or object ("options[2]", "answers.kommunentyp") by the label of its list. A field without a
// label keeps its name.
func (s *Server) fieldLabel(lang, field string) string {
	base := field
	if i := strings.IndexAny(base, ".["); i > 0 {
		base = base[:i]
	}
	id := "field." + base
	if label := s.messages.T(lang, id, nil); label != id {
		return label
	}
	return field
}
