package registration_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// Text PostgreSQL cannot store (NUL, also as \u0000 in a JSON answer, and invalid UTF-8) is
// refused for every field a person fills in, naming the field, and nothing is stored.
func TestRefusesTextThatCannotBeStored(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool, func(in *event.Input) {
		in.Questions = append(in.Questions,
			event.Question{Key: "amt", Label: "Amt", Kind: event.KindText},
			event.Question{Key: "anmerkung", Label: "Anmerkung", Kind: event.KindTextarea})
	})
	// An answer arrives as raw JSON: NUL escaped as \u0000, invalid UTF-8 as the bytes themselves.
	answer := func(in *registration.Input, key, value string) {
		b, _ := json.Marshal(value)
		if !utf8.ValidString(value) {
			b = []byte(`"` + value + `"`)
		}
		in.Answers[key] = b
	}
	fields := []struct {
		field string
		set   func(*registration.Input, string)
	}{
		{"name", func(in *registration.Input, s string) { in.Name = s }},
		{"email", func(in *registration.Input, s string) { in.Email = s }},
		{"organization", func(in *registration.Input, s string) { in.Organization = s }},
		{"municipality", func(in *registration.Input, s string) { in.Municipality = s }},
		{"role", func(in *registration.Input, s string) { in.Role = s }},
		{"answers.amt", func(in *registration.Input, s string) { answer(in, "amt", s) }},
		{"answers.anmerkung", func(in *registration.Input, s string) { answer(in, "anmerkung", s) }},
	}
	bad := map[string]string{"NUL": "anna\x00@example.org", "invalid UTF-8": "K\xf6ln@example.org"}
	for _, f := range fields {
		for name, value := range bad {
			in := person(1)
			f.set(&in, value)
			_, _, err := registration.Register(ctx, pool, key, e, in, now)
			var v *domain.ValidationError
			if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != f.field {
				t.Errorf("%s with %s: %v, want a validation error naming %s", f.field, name, err, f.field)
			}
		}
	}
	if n := countStatus(t, pool, e.ID); len(n) != 0 {
		t.Errorf("stored %v", n)
	}

	// Line breaks belong in the long answer, typed in a browser as CRLF; not in the short one.
	in := person(2)
	answer(&in, "anmerkung", "Erste Zeile\r\nzweite Zeile")
	if _, _, err := registration.Register(ctx, pool, key, e, in, now); err != nil {
		t.Errorf("line breaks in a textarea answer: %v", err)
	}
	in = person(3)
	answer(&in, "amt", "Amt\nfür Digitales")
	var v *domain.ValidationError
	if _, _, err := registration.Register(ctx, pool, key, e, in, now); !errors.As(err, &v) || !v.Has("answers.amt") {
		t.Errorf("a line break in a one-line answer: %v", err)
	}
}
