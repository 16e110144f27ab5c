package event

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/domain"
)

// fieldsOf returns the fields a validation error names, and fails the test for any other error.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("err = %v, want a validation error", err)
	}
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

func has(fields []string, field string) bool {
	for _, f := range fields {
		if f == field {
			return true
		}
	}
	return false
}

// Every time an event takes lies between 1900 and 2200, as an instant and on the event's own
// clocks: an event on 31.12.9999 once made every calendar download loop until memory ran out.
func TestValidateKeepsTimesWithinTheYears(t *testing.T) {
	t.Parallel()
	minus14 := time.FixedZone("-14:00", -14*3600)
	at := func(tm time.Time) *time.Time { return &tm }
	cases := []struct {
		name, field string
		change      func(*Input)
	}{
		{"start on 31.12.9999 at -14:00", "starts_at", func(in *Input) {
			in.StartsAt = time.Date(9999, 12, 31, 20, 0, 0, 0, minus14)
			in.EndsAt = in.StartsAt.Add(time.Hour)
		}},
		{"start in 1899", "starts_at", func(in *Input) {
			in.StartsAt = time.Date(1899, 12, 31, 23, 0, 0, 0, time.UTC)
			in.EndsAt = in.StartsAt.Add(2 * time.Hour)
		}},
		{"start in 2200 in UTC but 2201 in Berlin", "starts_at", func(in *Input) {
			in.StartsAt = time.Date(2200, 12, 31, 23, 30, 0, 0, time.UTC)
			in.EndsAt = in.StartsAt.Add(-time.Hour)
		}},
		{"start in 1900 in UTC but 1899 in New York", "starts_at", func(in *Input) {
			in.Timezone = "America/New_York"
			in.StartsAt = time.Date(1900, 1, 1, 0, 30, 0, 0, time.UTC)
			in.EndsAt = time.Date(1900, 1, 1, 12, 0, 0, 0, time.UTC)
		}},
		{"end in 2201", "ends_at", func(in *Input) {
			in.StartsAt = time.Date(2200, 12, 20, 10, 0, 0, 0, time.UTC)
			in.EndsAt = in.StartsAt.Add(30 * 24 * time.Hour)
		}},
		{"registration opens in the year 1", "registration_opens_at", func(in *Input) {
			in.RegistrationOpensAt = at(time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC))
		}},
		{"registration closes in 9999", "registration_closes_at", func(in *Input) {
			in.RegistrationClosesAt = at(time.Date(9999, 12, 31, 20, 0, 0, 0, minus14))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput()
			c.change(&in)
			if fields := fieldsOf(t, in.Validate()); !has(fields, c.field) {
				t.Errorf("fields %v, want %s", fields, c.field)
			}
		})
	}

	edges := validInput()
	edges.Timezone = "UTC"
	edges.StartsAt = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	edges.EndsAt = edges.StartsAt.Add(time.Hour)
	if err := edges.Validate(); err != nil {
		t.Errorf("1 January 1900, 00:00 UTC: %v", err)
	}
	edges.StartsAt = time.Date(2200, 12, 31, 22, 0, 0, 0, time.UTC)
	edges.EndsAt = time.Date(2200, 12, 31, 23, 59, 59, 0, time.UTC)
	if err := edges.Validate(); err != nil {
		t.Errorf("31 December 2200, 23:59 UTC: %v", err)
	}
}

// Text that PostgreSQL cannot store (NUL, invalid UTF-8) is refused for every field that takes
// text, naming the field; one-line fields refuse line breaks, the description keeps them.
func TestValidateRefusesTextThatCannotBeStored(t *testing.T) {
	t.Parallel()
	fields := []struct {
		field string
		set   func(*Input, string)
	}{
		{"title", func(in *Input, s string) { in.Title = s }},
		{"subtitle", func(in *Input, s string) { in.Subtitle = s }},
		{"description", func(in *Input, s string) { in.Description = s }},
		{"location", func(in *Input, s string) { in.Location = s }},
		{"organizer_name", func(in *Input, s string) { in.OrganizerName = s }},
		{"organizer_email", func(in *Input, s string) { in.OrganizerEmail = s }},
		{"online_url", func(in *Input, s string) { in.OnlineURL = "https://example.org/" + s }},
		{"hosts[0]", func(in *Input, s string) { in.Hosts = []string{s} }},
		{"questions[0].label", func(in *Input, s string) { in.Questions[0].Label = s }},
		{"questions[0].options[1]", func(in *Input, s string) { in.Questions[0].Options[1] = s }},
	}
	bad := map[string]string{
		"NUL":           "ÖFIT\x00KGSt",
		"invalid UTF-8": "K\xf6ln",
		"lone byte":     "\xff",
	}
	for _, f := range fields {
		for name, value := range bad {
			t.Run(f.field+" "+name, func(t *testing.T) {
				in := validInput()
				f.set(&in, value)
				if got := fieldsOf(t, in.Validate()); len(got) != 1 || got[0] != f.field {
					t.Errorf("fields %v, want exactly %s", got, f.field)
				}
			})
		}
	}

	in := validInput()
	in.Title = "Digitale Kommune\nBcc: alle"
	if got := fieldsOf(t, in.Validate()); len(got) != 1 || got[0] != "title" {
		t.Errorf("a line break in the title: fields %v", got)
	}
	in = validInput()
	in.Description = "Erster Absatz.\r\n\r\nZweiter Absatz."
	in.Location = "Rathaus Pattensen\nRatssaal"
	if err := in.Validate(); err != nil {
		t.Errorf("line breaks in description and location: %v", err)
	}
}

// A list sent as null is stored as an empty list, never as NULL.
func TestNullListsAreEmpty(t *testing.T) {
	t.Parallel()
	in := validInput()
	in.Hosts, in.Questions, in.ReminderOffsets = nil, nil, nil
	v, err := in.validate()
	if err != nil {
		t.Fatal(err)
	}
	if v.Hosts == nil || v.Questions == nil || v.offsets == nil {
		t.Errorf("hosts %#v, questions %#v, offsets %#v: want empty lists", v.Hosts, v.Questions, v.offsets)
	}
	if !strings.HasPrefix(v.Title, "Digitale") {
		t.Errorf("title %q", v.Title)
	}
}
