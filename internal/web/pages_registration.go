package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// formField is one field of the registration form as the templates draw it.
type formField struct {
	ID, Name, Label, Kind, Type string
	Value, Error, Autocomplete  string
	Required, Checked           bool
	Options                     []string
	Optional, Choose            string
}

// formView is the registration form with what the person entered and what is wrong with it.
type formView struct {
	Fields   []formField
	Errors   []formField // the fields with errors, in form order, for the summary
	Conflict string
}

// registrationForm lays out the form for e, filled with values and marked with errs.
func (s *Server) registrationForm(lang string, e *event.Event, values url.Values, errs map[string]string) *formView {
	t := func(id string) string { return s.messages.T(lang, id, nil) }
	field := func(name, kind, typ, autocomplete string, required bool) formField {
		return formField{ID: "f-" + name, Name: name, Label: t("form." + name), Kind: kind, Type: typ,
			Value: values.Get(name), Error: errs[name], Autocomplete: autocomplete, Required: required,
			Optional: t("form.optional"), Choose: t("form.choose")}
	}
	v := &formView{Fields: []formField{
		field("name", "text", "text", "name", true),
		field("email", "text", "email", "email", true),
		field("organization", "text", "text", "organization", false),
		field("municipality", "text", "text", "address-level2", false),
		field("role", "text", "text", "organization-title", false),
	}}
	for _, q := range e.Questions {
		f := field("answers."+q.Key, q.Kind, "text", "", q.Required)
		f.ID, f.Label, f.Options = "f-q-"+q.Key, q.Label, q.Options
		f.Checked = values.Get(f.Name) == "on"
		v.Fields = append(v.Fields, f)
	}
	consent := field("consent", event.KindCheckbox, "", "", true)
	consent.Checked = values.Get("consent") == "on"
	v.Fields = append(v.Fields, consent)
	for _, f := range v.Fields {
		if f.Error != "" {
			v.Errors = append(v.Errors, f)
		}
	}
	return v
}

// registrationInput reads the submitted form the way the API reads JSON.
func registrationInput(e *event.Event, form url.Values, lang string) registration.Input {
	in := registration.Input{
		Name: form.Get("name"), Email: form.Get("email"), Organization: form.Get("organization"),
		Municipality: form.Get("municipality"), Role: form.Get("role"),
		Consent: form.Get("consent") == "on", Language: lang, Answers: map[string]json.RawMessage{},
	}
	for _, q := range e.Questions {
		name := "answers." + q.Key
		var value any = strings.TrimSpace(form.Get(name))
		if q.Kind == event.KindCheckbox {
			value = form.Get(name) == "on"
		} else if value == "" {
			continue
		}
		b, _ := json.Marshal(value)
		in.Answers[q.Key] = b
	}
	return in
}

// registerPage takes the form on the event page. Errors show the page again with every message
// next to its field and everything entered kept; success leads to a page saying what comes next.
func (s *Server) registerPage(c *gin.Context) {
	lang := pageLang(c)
	e, err := s.eventFor(c, needNothing)
	if err != nil {
		s.pageError(c, err)
		return
	}
	// checkRequestText has read the form already, within maxFormBytes.
	if err := c.Request.ParseForm(); err != nil {
		s.pageError(c, err)
		return
	}
	form := c.Request.PostForm
	in := registrationInput(e, form, lang)
	if in.ConsentVersion, err = s.consentVersion(c.Request.Context()); err != nil {
		s.pageError(c, err)
		return
	}
	r, err := s.registerFor(c.Request.Context(), e, in)
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/events/"+e.Slug+"/registered?status="+r.Status+langQuery(lang, "&"))
		return
	}
	p, ok := s.problemOf(lang, err, func(f domain.FieldError) string { return s.attendeeText(lang, f.Field) })
	if !ok {
		s.pageError(c, err)
		return
	}
	v, err := s.eventView(c, e)
	if err != nil {
		s.pageError(c, err)
		return
	}
	v.Form = s.registrationForm(lang, e, form, p.Fields)
	if len(p.Fields) == 0 {
		v.Form.Conflict = p.Text
	}
	s.renderPage(c, p.Status, "event", s.messages.T(lang, "form.errortitle", nil)+" – "+e.Title, v)
}

// attendeeText says in the words of the registration form what a field needs, whatever is wrong
// with it ("" for a field the form has no words for).
func (s *Server) attendeeText(lang, field string) string {
	id := "form.error." + field
	if strings.HasPrefix(field, "answers.") {
		id = "form.error.answer"
	}
	if text := s.messages.T(lang, id, nil); text != id {
		return text
	}
	return ""
}

type registeredView struct {
	Event        *event.Event
	Status       string
	ConfirmHours int
}

// registeredPage tells a person what happens after they registered.
func (s *Server) registeredPage(c *gin.Context) {
	e, err := s.eventFor(c, needNothing)
	if err != nil {
		s.pageError(c, err)
		return
	}
	status := c.Query("status")
	switch status {
	case registration.StatusPending, registration.StatusConfirmed, registration.StatusWaitlisted:
	default:
		s.pageError(c, domain.ErrNotFound)
		return
	}
	lang := pageLang(c)
	s.renderPage(c, http.StatusOK, "registered", s.messages.T(lang, "registered."+status+".title", nil), registeredView{Event: e, Status: status, ConfirmHours: int(s.cfg.ConfirmWithin.Hours())})
}

// langQuery keeps English pages English across links and redirects.
func langQuery(lang, sep string) string {
	if lang == "en" {
		return sep + "lang=en"
	}
	return ""
}
