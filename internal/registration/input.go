package registration

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// Limits on what an attendee types.
const (
	maxNameLen       = 200
	maxEmailLen      = 254
	maxFieldLen      = 200
	maxTextAnswerLen = 500
	maxTextareaLen   = 5_000
)

// Input is what a person sends to register.
type Input struct {
	Name         string
	Email        string
	Organization string
	Municipality string
	Role         string
	Answers      map[string]json.RawMessage // keyed by question key
	Consent      bool
	Language     string
	// ConsentVersion is the version of the consent texts the form showed (legal.Texts), recorded
	// with the registration; set by the server, never by the person registering.
	ConsentVersion string
}

func (in *Input) consentVersion() *string {
	if in.ConsentVersion == "" {
		return nil
	}
	return &in.ConsentVersion
}

// validate checks the input against the event's questions and returns the answers to store.
func (in *Input) validate(e *event.Event) (json.RawMessage, error) {
	for _, s := range []*string{&in.Name, &in.Email, &in.Organization, &in.Municipality, &in.Role, &in.Language} {
		*s = strings.TrimSpace(*s)
	}
	v := &domain.ValidationError{}
	// These values reach mail headers and attendee lists: one line of printable text each.
	for _, f := range []struct{ field, value string }{{"name", in.Name}, {"email", in.Email},
		{"organization", in.Organization}, {"municipality", in.Municipality}, {"role", in.Role}} {
		v.CheckLine(f.field, f.value)
	}
	switch n := utf8.RuneCountInString(in.Name); {
	case v.Has("name"):
	case n == 0:
		v.Problem("name", "required", nil, "is required")
	case n > maxNameLen:
		v.Problem("name", "too_long", domain.Params{"Max": maxNameLen}, fmt.Sprintf("must be at most %d characters long", maxNameLen))
	}
	switch {
	case v.Has("email"):
	case in.Email == "":
		v.Problem("email", "required", nil, "is required")
	case !plainAddress(in.Email):
		v.Problem("email", "invalid_email", nil, "must be an email address such as name@kommune.de")
	}
	for _, f := range []struct{ field, value string }{{"organization", in.Organization}, {"municipality", in.Municipality}, {"role", in.Role}} {
		if utf8.RuneCountInString(f.value) > maxFieldLen && !v.Has(f.field) {
			v.Problem(f.field, "too_long", domain.Params{"Max": maxFieldLen}, fmt.Sprintf("must be at most %d characters long", maxFieldLen))
		}
	}
	if !in.Consent {
		v.Problem("consent", "consent_required", nil, "must be true: registration needs consent to the processing of the data")
	}
	switch in.Language {
	case "":
		in.Language = e.Language
	case "de", "en":
	default:
		v.Problem("language", "one_of", domain.Params{"Values": "de, en"}, "must be de or en")
	}
	answers := validateAnswers(in.Answers, e.Questions, v)
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(answers)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// validateAnswers checks each answer against its question: required ones present, select answers
// among the options, checkboxes true or false, texts within their length.
func validateAnswers(raw map[string]json.RawMessage, questions []event.Question, v *domain.ValidationError) map[string]any {
	known := map[string]bool{}
	answers := map[string]any{}
	for _, q := range questions {
		known[q.Key] = true
		field := "answers." + q.Key
		value, present := raw[q.Key]
		if !present || string(value) == "null" {
			if q.Required {
				v.Problem(field, "required", nil, "is required")
			}
			continue
		}
		// encoding/json would quietly turn invalid UTF-8 into U+FFFD: refuse it instead.
		if !utf8.Valid(value) {
			v.Problem(field, "utf8", nil, "must be valid UTF-8 text")
			continue
		}
		switch q.Kind {
		case event.KindCheckbox:
			var b bool
			if json.Unmarshal(value, &b) != nil {
				v.Problem(field, "not_boolean", nil, "must be true or false")
				continue
			}
			if q.Required && !b {
				v.Problem(field, "not_ticked", nil, "must be ticked")
				continue
			}
			answers[q.Key] = b
		default:
			var s string
			if json.Unmarshal(value, &s) != nil {
				v.Problem(field, "not_string", nil, "must be a string")
				continue
			}
			s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
			limit, storable := maxTextAnswerLen, v.CheckLine
			if q.Kind == event.KindTextarea {
				limit, storable = maxTextareaLen, v.CheckText
			}
			switch {
			case !storable(field, s):
			case s == "" && q.Required:
				v.Problem(field, "required", nil, "is required")
			case utf8.RuneCountInString(s) > limit:
				v.Problem(field, "too_long", domain.Params{"Max": limit}, fmt.Sprintf("must be at most %d characters long", limit))
			case s != "" && q.Kind == event.KindSelect && !contains(q.Options, s):
				v.Problem(field, "not_an_option", nil, "must be one of the offered options")
			case s != "":
				answers[q.Key] = s
			}
		}
	}
	for key := range raw {
		if !known[key] {
			v.Problem("answers."+key, "unknown_field", nil, "this event asks no such question")
		}
	}
	return answers
}

// plainAddress tells whether s is an email address and nothing else: no name, no comment.
func plainAddress(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s && len(s) <= maxEmailLen
}

func contains(options []string, s string) bool {
	for _, o := range options {
		if o == s {
			return true
		}
	}
	return false
}
