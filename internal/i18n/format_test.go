package i18n_test

import (
	"slices"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/i18n"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// A reader in Berlin sees 17:00 on both sides of the clock change of 25 October 2020, although
// the instants are 15:00 and 16:00 UTC; other zones are shown in their own time.
func TestSpanAcrossDaylightSavingChange(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	cases := []struct {
		start, end time.Time
		loc        *time.Location
		lang, want string
	}{
		{utc(2020, 10, 29, 16, 0), utc(2020, 10, 29, 17, 30), berlin, "de", "Donnerstag, 29. Oktober 2020, 17:00–18:30 Uhr"},
		{utc(2020, 10, 24, 15, 0), utc(2020, 10, 24, 16, 30), berlin, "de", "Samstag, 24. Oktober 2020, 17:00–18:30 Uhr"},
		{utc(2021, 7, 1, 15, 0), utc(2021, 7, 1, 16, 0), berlin, "de", "Donnerstag, 1. Juli 2021, 17:00–18:00 Uhr"},
		{utc(2020, 10, 29, 16, 0), utc(2020, 10, 29, 17, 30), berlin, "en", "Thursday, 29 October 2020, 17:00–18:30"},
		{utc(2020, 10, 30, 16, 0), utc(2020, 10, 31, 11, 0), berlin, "de", "Freitag, 30. Oktober 2020, 17:00 Uhr – Samstag, 31. Oktober 2020, 12:00 Uhr"},
		{utc(2020, 10, 29, 16, 0), utc(2020, 10, 29, 17, 30), zone(t, "America/New_York"), "de", "Donnerstag, 29. Oktober 2020, 12:00–13:30 Uhr"},
		// 23:30 UTC is already the next day in Berlin.
		{utc(2020, 10, 29, 23, 30), utc(2020, 10, 30, 0, 30), berlin, "de", "Freitag, 30. Oktober 2020, 00:30–01:30 Uhr"},
	}
	for _, c := range cases {
		if got := i18n.Span(c.start, c.end, c.loc, c.lang); got != c.want {
			t.Errorf("Span(%v, %v, %s, %s) = %q, want %q", c.start, c.end, c.loc, c.lang, got, c.want)
		}
	}
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// Short forms as on German forms and lists.
func TestShortForms(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	start := utc(2020, 10, 29, 16, 0)
	checks := [][2]string{
		{i18n.ShortDate(start, berlin, "de"), "29.10.2020"},
		{i18n.Clock(start, berlin, "de"), "17:00 Uhr"},
		{i18n.Clock(start, berlin, "en"), "17:00"},
		{i18n.LongDate(start, berlin, "fr"), "Donnerstag, 29. Oktober 2020"},
		{i18n.ClockSpan(start, start.Add(25*time.Minute), berlin, "de"), "17:00–17:25 Uhr"},
		{i18n.List([]string{"ÖFIT", "KGSt"}, "de"), "ÖFIT und KGSt"},
		{i18n.List([]string{"Köln", "Freiburg", "Pattensen"}, "en"), "Köln, Freiburg and Pattensen"},
		{i18n.List([]string{"ÖFIT"}, "de"), "ÖFIT"},
	}
	for _, c := range checks {
		if got, want := c[0], c[1]; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// Both catalogs hold the same messages, so no page shows a raw message id in either language.
func TestCatalogsAgree(t *testing.T) {
	t.Parallel()
	de, err := i18n.MessageIDs("de")
	if err != nil {
		t.Fatal(err)
	}
	en, err := i18n.MessageIDs("en")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(de)
	slices.Sort(en)
	for _, id := range de {
		if !slices.Contains(en, id) {
			t.Errorf("%s is missing in English", id)
		}
	}
	for _, id := range en {
		if !slices.Contains(de, id) {
			t.Errorf("%s is missing in German", id)
		}
	}

	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := b.T("de", "event.hosts", map[string]any{"Hosts": "ÖFIT und KGSt"}); got != "Eine Veranstaltung von ÖFIT und KGSt" {
		t.Errorf("German hosts line %q", got)
	}
	if got := b.T("en", "event.hosts", map[string]any{"Hosts": "ÖFIT and KGSt"}); got != "An event by ÖFIT and KGSt" {
		t.Errorf("English hosts line %q", got)
	}
	if got := b.T("fr", "home.title", nil); got != "Veranstaltungen" {
		t.Errorf("unknown language falls back to German: %q", got)
	}
}

// Mails name the time zone as people say it: MEZ and MESZ in German, CET and CEST in English,
// other zones by their abbreviation, or by their name where their data has only an offset.
func TestZoneNames(t *testing.T) {
	t.Parallel()
	berlin := zone(t, "Europe/Berlin")
	winter, summer := utc(2020, 10, 29, 16, 0), utc(2021, 7, 1, 15, 0)
	checks := [][2]string{
		{i18n.ZoneName(winter, berlin, "de"), "MEZ"},
		{i18n.ZoneName(summer, berlin, "de"), "MESZ"},
		{i18n.ZoneName(winter, berlin, "en"), "CET"},
		{i18n.ZoneName(summer, berlin, "en"), "CEST"},
		{i18n.ZoneName(summer, zone(t, "Europe/Lisbon"), "de"), "WESZ"},
		{i18n.ZoneName(winter, zone(t, "America/New_York"), "de"), "EDT"},
		{i18n.ZoneName(winter, zone(t, "Europe/Istanbul"), "de"), "Europe/Istanbul"},
		{i18n.ZoneName(winter, time.UTC, "de"), "UTC"},
		{i18n.ZonedSpan(winter, winter.Add(90*time.Minute), berlin, "de"), "Donnerstag, 29. Oktober 2020, 17:00–18:30 Uhr (MEZ)"},
		{i18n.ZonedSpan(summer, summer.Add(time.Hour), berlin, "en"), "Thursday, 1 July 2021, 17:00–18:00 (CEST)"},
		// The clocks went back in the night to 25 October 2020.
		{i18n.ZonedSpan(utc(2020, 10, 24, 15, 0), utc(2020, 10, 25, 11, 0), berlin, "de"),
			"Samstag, 24. Oktober 2020, 17:00 Uhr (MESZ) – Sonntag, 25. Oktober 2020, 12:00 Uhr (MEZ)"},
	}
	for _, c := range checks {
		if got, want := c[0], c[1]; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
