package panel

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

var start = time.Date(2027, 3, 4, 16, 0, 0, 0, time.UTC)

// testEvent lasts from 17:00 to 18:30 in Berlin.
func testEvent() *event.Event {
	return &event.Event{ID: 1, StartsAt: start, EndsAt: start.Add(90 * time.Minute), Timezone: "Europe/Berlin"}
}

func ptr[T any](v T) *T { return &v }

func validPanelist() PanelistInput {
	return PanelistInput{Name: "Praxisvertretung Stadt Köln", Role: "Digitalisierung",
		Organization: "Stadtverwaltung Köln", Municipality: "Stadt Köln", Bio: "Erste Zeile\nzweite Zeile"}
}

func validAgendaItem() AgendaItemInput {
	return AgendaItemInput{StartsAt: start.Add(5 * time.Minute), EndsAt: start.Add(25 * time.Minute),
		Title: "Impuls", Kind: KindTalk, Description: "Die Studie\nin Kürze"}
}

// fieldsOf returns the fields a validation error names, failing on any other error.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		t.Fatalf("error %v is not a validation error", err)
	}
	var out []string
	for _, f := range v.Fields {
		out = append(out, f.Field)
	}
	return out
}

// Each limit of a panelist holds at its value and names its field one character past it.
// Lengths count characters, not bytes, so the limits are tested with umlauts.
func TestValidatePanelist(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		field  string // "" when the input is valid
		change func(*PanelistInput)
	}{
		{"valid", "", func(in *PanelistInput) {}},
		{"only a name", "", func(in *PanelistInput) { *in = PanelistInput{Name: "Kreis Wesel"} }},
		{"name empty", "name", func(in *PanelistInput) { in.Name = "" }},
		{"name blank", "name", func(in *PanelistInput) { in.Name = " \t " }},
		{"name 200 characters", "", func(in *PanelistInput) { in.Name = strings.Repeat("ä", maxNameLen) }},
		{"name 201 characters", "name", func(in *PanelistInput) { in.Name = strings.Repeat("ä", maxNameLen+1) }},
		{"name with spaces around 200 characters", "", func(in *PanelistInput) { in.Name = "  " + strings.Repeat("ä", maxNameLen) + "  " }},
		{"name with line break", "name", func(in *PanelistInput) { in.Name = "Stadt\nKöln" }},
		{"name with control character", "name", func(in *PanelistInput) { in.Name = "Stadt\x07Köln" }},
		{"role 200 characters", "", func(in *PanelistInput) { in.Role = strings.Repeat("ö", maxFieldLen) }},
		{"role 201 characters", "role", func(in *PanelistInput) { in.Role = strings.Repeat("ö", maxFieldLen+1) }},
		{"role with line break", "role", func(in *PanelistInput) { in.Role = "a\r\nb" }},
		{"organization 200 characters", "", func(in *PanelistInput) { in.Organization = strings.Repeat("ü", maxFieldLen) }},
		{"organization 201 characters", "organization", func(in *PanelistInput) { in.Organization = strings.Repeat("ü", maxFieldLen+1) }},
		{"organization with tab", "organization", func(in *PanelistInput) { in.Organization = "a\tb" }},
		{"municipality 200 characters", "", func(in *PanelistInput) { in.Municipality = strings.Repeat("ß", maxFieldLen) }},
		{"municipality 201 characters", "municipality", func(in *PanelistInput) { in.Municipality = strings.Repeat("ß", maxFieldLen+1) }},
		{"municipality with control character", "municipality", func(in *PanelistInput) { in.Municipality = "Köln\x00" }},
		{"bio 5000 characters", "", func(in *PanelistInput) { in.Bio = strings.Repeat("é", maxBioLen) }},
		{"bio 5001 characters", "bio", func(in *PanelistInput) { in.Bio = strings.Repeat("é", maxBioLen+1) }},
		{"bio with Windows line breaks", "", func(in *PanelistInput) { in.Bio = "eins\r\nzwei" }},
		{"bio with tab", "bio", func(in *PanelistInput) { in.Bio = "eins\tzwei" }},
		{"bio with escape", "bio", func(in *PanelistInput) { in.Bio = "eins\x1b[31mzwei" }},
		{"name not UTF-8", "name", func(in *PanelistInput) { in.Name = "Stadt K\xf6ln" }},
		{"role not UTF-8", "role", func(in *PanelistInput) { in.Role = "\xff" }},
		{"organization with NUL", "organization", func(in *PanelistInput) { in.Organization = "Stadt\x00" }},
		{"municipality not UTF-8", "municipality", func(in *PanelistInput) { in.Municipality = "K\xc3" }},
		{"bio not UTF-8", "bio", func(in *PanelistInput) { in.Bio = "eins\nzw\xe4i" }},
		{"bio with NUL", "bio", func(in *PanelistInput) { in.Bio = "eins\n\x00" }},
		{"position 0", "", func(in *PanelistInput) { in.Position = ptr(0) }},
		{"position 10000", "", func(in *PanelistInput) { in.Position = ptr(maxPosition) }},
		{"position 10001", "position", func(in *PanelistInput) { in.Position = ptr(maxPosition + 1) }},
		{"position negative", "position", func(in *PanelistInput) { in.Position = ptr(-1) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validPanelist()
			tc.change(&in)
			got := fieldsOf(t, in.Validate())
			var want []string
			if tc.field != "" {
				want = []string{tc.field}
			}
			if !slices.Equal(got, want) {
				t.Errorf("fields %v, want %v", got, want)
			}
		})
	}
}

// One answer names every bad field of a panelist.
func TestValidatePanelistNamesEveryField(t *testing.T) {
	t.Parallel()
	in := PanelistInput{Name: "", Role: strings.Repeat("x", 201), Organization: strings.Repeat("x", 201),
		Municipality: "a\nb", Bio: strings.Repeat("x", 5001), Position: ptr(-5)}
	got := fieldsOf(t, in.Validate())
	want := []string{"name", "role", "organization", "municipality", "bio", "position"}
	if !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}

// Validation trims what it stores and leaves the caller's input alone.
func TestValidatePanelistTrims(t *testing.T) {
	t.Parallel()
	in := PanelistInput{Name: "  Stadt Köln ", Bio: "\r\n eins\r\nzwei \n"}
	v, err := in.validate()
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "Stadt Köln" || v.Bio != "eins\nzwei" {
		t.Errorf("stored %q %q", v.Name, v.Bio)
	}
	if in.Name != "  Stadt Köln " {
		t.Error("validation changed the caller's input")
	}
}

// Each rule of an agenda item names its field when broken; the event runs 17:00–18:30 Berlin.
func TestValidateAgendaItem(t *testing.T) {
	t.Parallel()
	e := testEvent()
	cases := []struct {
		name   string
		fields []string
		change func(*AgendaItemInput)
	}{
		{"valid", nil, func(in *AgendaItemInput) {}},
		{"the whole event", nil, func(in *AgendaItemInput) { in.StartsAt, in.EndsAt = e.StartsAt, e.EndsAt }},
		{"title empty", []string{"title"}, func(in *AgendaItemInput) { in.Title = "  " }},
		{"title 200 characters", nil, func(in *AgendaItemInput) { in.Title = strings.Repeat("ä", maxTitleLen) }},
		{"title 201 characters", []string{"title"}, func(in *AgendaItemInput) { in.Title = strings.Repeat("ä", maxTitleLen+1) }},
		{"title with line break", []string{"title"}, func(in *AgendaItemInput) { in.Title = "Impuls\nund mehr" }},
		{"kind empty", []string{"kind"}, func(in *AgendaItemInput) { in.Kind = "" }},
		{"kind unknown", []string{"kind"}, func(in *AgendaItemInput) { in.Kind = "workshop" }},
		{"kind break", nil, func(in *AgendaItemInput) { in.Kind = KindBreak }},
		{"kind qa", nil, func(in *AgendaItemInput) { in.Kind = KindQA }},
		{"kind panel", nil, func(in *AgendaItemInput) { in.Kind = KindPanel }},
		{"description 5000 characters", nil, func(in *AgendaItemInput) { in.Description = strings.Repeat("ü", maxDescriptionLen) }},
		{"description 5001 characters", []string{"description"}, func(in *AgendaItemInput) { in.Description = strings.Repeat("ü", maxDescriptionLen+1) }},
		{"description with control character", []string{"description"}, func(in *AgendaItemInput) { in.Description = "a\x0bb" }},
		{"start missing", []string{"starts_at"}, func(in *AgendaItemInput) { in.StartsAt = time.Time{} }},
		{"end missing", []string{"ends_at"}, func(in *AgendaItemInput) { in.EndsAt = time.Time{} }},
		{"both missing", []string{"starts_at", "ends_at"}, func(in *AgendaItemInput) { in.StartsAt, in.EndsAt = time.Time{}, time.Time{} }},
		{"end equals start", []string{"ends_at"}, func(in *AgendaItemInput) { in.EndsAt = in.StartsAt }},
		{"end before start", []string{"ends_at"}, func(in *AgendaItemInput) { in.EndsAt = in.StartsAt.Add(-time.Minute) }},
		{"starts before the event", []string{"starts_at"}, func(in *AgendaItemInput) { in.StartsAt = e.StartsAt.Add(-time.Minute) }},
		{"ends after the event", []string{"ends_at"}, func(in *AgendaItemInput) { in.EndsAt = e.EndsAt.Add(time.Minute) }},
		{"the day before", []string{"starts_at", "ends_at"}, func(in *AgendaItemInput) {
			in.StartsAt, in.EndsAt = e.StartsAt.Add(-24*time.Hour), e.EndsAt.Add(-24*time.Hour)
		}},
		{"after the event", []string{"starts_at", "ends_at"}, func(in *AgendaItemInput) {
			in.StartsAt, in.EndsAt = e.EndsAt, e.EndsAt.Add(time.Hour)
		}},
		{"51 panelists", []string{"panelist_ids"}, func(in *AgendaItemInput) { in.PanelistIDs = make([]int64, maxPanelistsPerItem+1) }},
		{"title not UTF-8", []string{"title"}, func(in *AgendaItemInput) { in.Title = "Impuls \xfcber" }},
		{"title with NUL", []string{"title"}, func(in *AgendaItemInput) { in.Title = "Impuls\x00" }},
		{"description not UTF-8", []string{"description"}, func(in *AgendaItemInput) { in.Description = "a\nb\xff" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validAgendaItem()
			tc.change(&in)
			// Without panelist ids to look up, validation needs no database.
			got := fieldsOf(t, in.Validate(context.Background(), nil, e))
			if !slices.Equal(got, tc.fields) {
				t.Errorf("fields %v, want %v", got, tc.fields)
			}
		})
	}
}

// An agenda item keeps to the years 1900 to 2200 like every time Podium takes, even within an
// event that was stored before that rule (31.12.9999 at -14:00 is New Year 10000 in UTC).
func TestAgendaItemTimesWithinTheYears(t *testing.T) {
	t.Parallel()
	minus14 := time.FixedZone("-14:00", -14*3600)
	e := &event.Event{ID: 1, Timezone: "Europe/Berlin",
		StartsAt: time.Date(9999, 12, 31, 12, 0, 0, 0, minus14), EndsAt: time.Date(9999, 12, 31, 23, 0, 0, 0, minus14)}
	in := validAgendaItem()
	in.StartsAt, in.EndsAt = time.Date(9999, 12, 31, 20, 0, 0, 0, minus14), time.Date(9999, 12, 31, 21, 0, 0, 0, minus14)
	got := fieldsOf(t, in.Validate(context.Background(), nil, e))
	if want := []string{"starts_at", "ends_at"}; !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}

// One answer names every bad field of an agenda item.
func TestValidateAgendaItemNamesEveryField(t *testing.T) {
	t.Parallel()
	in := AgendaItemInput{StartsAt: start.Add(-time.Hour), EndsAt: start.Add(-2 * time.Hour),
		Title: "", Kind: "keynote", Description: strings.Repeat("x", 5001)}
	got := fieldsOf(t, in.Validate(context.Background(), nil, testEvent()))
	want := []string{"title", "kind", "description", "starts_at", "ends_at"}
	if !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}
