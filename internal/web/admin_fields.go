package web

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/podium-events/podium/internal/domain"
)

// adminField is one control of an organizer's form as templates/pages/_admin_fields.html draws
// it, with what was typed and what is wrong with it.
type adminField struct {
	ID, Name, Label, Hint string
	// Kind is text, email, url, number, textarea, select, checkbox or when (a date and a time,
	// sent as Name_date and Name_time).
	Kind         string
	Value        string
	Time         string // the clock of a when field
	Options      []fieldOption
	Checked      bool
	Required     bool
	ReadOnly     bool
	Rows         int
	Autocomplete string
	Error        string
	// Words of the page's language the control needs.
	Optional, DateLabel, TimeLabel string
}

// fieldOption is one choice of a select field.
type fieldOption struct {
	Value, Label string
	Selected     bool
}

// fieldGroup is a fieldset of a form.
type fieldGroup struct {
	Legend string
	Fields []adminField
}

// DescribedBy lists the ids of the hint and the error, for aria-describedby.
func (f adminField) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// FocusID is the control a link to the field leads to: a when field's date.
func (f adminField) FocusID() string {
	if f.Kind == "when" {
		return f.ID + "-date"
	}
	return f.ID
}

// fieldMaker makes the fields of one form in one language; errs are the problems by control name.
type fieldMaker struct {
	s      *Server
	lang   string
	prefix string // of the ids, so that several forms on a page keep theirs apart
	errs   map[string]string
}

func (m fieldMaker) field(kind, name, labelID string, required bool) adminField {
	t := func(id string) string { return m.s.messages.T(m.lang, id, nil) }
	f := adminField{ID: m.prefix + strings.ReplaceAll(name, "_", "-"), Name: name, Label: t(labelID), Kind: kind,
		Required: required, Error: m.errs[name], Optional: t("form.optional"),
		DateLabel: t("eventform.date"), TimeLabel: t("eventform.time")}
	if hint := labelID + ".hint"; m.s.messages.T(m.lang, hint, nil) != hint {
		f.Hint = t(hint)
	}
	return f
}

func (m fieldMaker) text(name, labelID, value string, required bool) adminField {
	f := m.field("text", name, labelID, required)
	f.Value = value
	return f
}

func (m fieldMaker) textarea(name, labelID, value string, rows int, required bool) adminField {
	f := m.text(name, labelID, value, required)
	f.Kind, f.Rows = "textarea", rows
	return f
}

func (m fieldMaker) checkbox(name, labelID string, checked bool) adminField {
	f := m.field("checkbox", name, labelID, false)
	f.Checked = checked
	return f
}

func (m fieldMaker) when(name, labelID, date, clock string, required bool) adminField {
	f := m.field("when", name, labelID, required)
	f.Value, f.Time = date, clock
	return f
}

func (m fieldMaker) choice(name, labelID, value string, options []fieldOption) adminField {
	f := m.field("select", name, labelID, true)
	f.Value = value
	for i := range options {
		options[i].Selected = options[i].Value == value
	}
	f.Options = options
	return f
}

// withErrors lists the fields with a problem, in form order, for the summary above the form.
func withErrors(groups ...[]adminField) []adminField {
	var out []adminField
	for _, fields := range groups {
		for _, f := range fields {
			if f.Error != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

// listEntry reads a field of a list's element: "hosts[2]" is entry 3 of hosts,
// "questions[0].options[1]" entry 2 of questions[0].options.
var listEntry = regexp.MustCompile(`^(.+)\[(\d+)\]$`)

// formProblems says in the page's language what is wrong with each control of a form. control
// names the control that shows a domain field, "" for none on this form; a problem of a list's
// entry names the entry. Problems of no control are returned apart, for the alert above the form.
func (s *Server) formProblems(lang string, invalid *domain.ValidationError, control func(field string) string) (map[string]string, []string) {
	byControl := map[string]string{}
	var rest []string
	for _, f := range invalid.Fields {
		text := s.problemText(lang, f)
		field := f.Field
		if m := listEntry.FindStringSubmatch(field); m != nil {
			n, _ := strconv.Atoi(m[2])
			field, text = m[1], s.messages.T(lang, "eventform.entry", map[string]any{"N": n + 1})+" "+text
		}
		name := control(field)
		if name == "" {
			rest = append(rest, text)
			continue
		}
		if byControl[name] != "" {
			text = byControl[name] + " " + text
		}
		byControl[name] = text
	}
	return byControl, rest
}

// lines splits a text area into its non-empty lines, trimmed.
func lines(s string) []string {
	out := []string{}
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
