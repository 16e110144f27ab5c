package event

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/podium-events/podium/internal/domain"
)

// FuzzEventInput validates events made of any text and any times: validation answers with the
// fields at fault, and whatever it lets through PostgreSQL can store, lies within the years, and
// holds lists, never nulls.
func FuzzEventInput(f *testing.F) {
	f.Add("Digitale Kommune: Eine Typfrage?", "Erste Zeile\r\nZweite", "ÖFIT", "Europe/Berlin", int64(1_603_987_200), int64(5400), int64(-86400), "24h", "Welcher Kommunentyp?", "Die Bedächtigen")
	f.Add("Silvester", "", "KGSt", "Etc/GMT+14", int64(253_402_336_800), int64(3600), int64(0), "1h", "Frage", "a")
	f.Add("a\x00b", "\x00", "\xff", "Mars/Olympus", int64(-2_208_988_801), int64(0), int64(1), "0s", "", "")
	f.Add("Titel\nBcc: x", "K\xf6ln", "", "UTC", int64(7_289_567_999), int64(31*86400), int64(-1), "720h", "L\u2028", "\u00a0")
	f.Fuzz(func(t *testing.T, title, description, host, zone string, start, duration, opens int64, offset, label, option string) {
		in := validInput()
		in.Title, in.Description, in.Hosts, in.Timezone = title, description, []string{host, ""}, zone
		in.StartsAt = time.Unix(start, 0).UTC()
		in.EndsAt = in.StartsAt.Add(time.Duration(duration) * time.Second)
		opensAt := in.StartsAt.Add(time.Duration(opens) * time.Second)
		in.RegistrationOpensAt = &opensAt
		in.ReminderOffsets = []string{offset}
		in.Questions = []Question{{Key: "typ", Label: label, Kind: KindSelect, Options: []string{option, "Die Optimierer"}}}
		v, err := in.validate()
		var invalid *domain.ValidationError
		if err != nil {
			if !errors.As(err, &invalid) || len(invalid.Fields) == 0 {
				t.Fatalf("not a validation error naming fields: %v", err)
			}
			for _, fe := range invalid.Fields {
				if !utf8.ValidString(fe.Message) {
					t.Fatalf("message of %s is not UTF-8: %q", fe.Field, fe.Message)
				}
			}
			return
		}
		for _, s := range append([]string{v.Title, v.Subtitle, v.Description, v.Location, v.OrganizerName, v.OnlineURL, v.Timezone,
			v.Questions[0].Label}, append(v.Hosts, v.Questions[0].Options...)...) {
			if !domain.Storable(s) {
				t.Fatalf("accepted text PostgreSQL cannot store: %q", s)
			}
		}
		loc, err := time.LoadLocation(v.Timezone)
		if err != nil {
			t.Fatalf("accepted the zone %q: %v", v.Timezone, err)
		}
		for _, tm := range []time.Time{v.StartsAt, v.EndsAt, v.closesAt, *v.RegistrationOpensAt} {
			if !domain.TimeInRange(tm, loc) {
				t.Fatalf("accepted %v in %s", tm, v.Timezone)
			}
		}
		if v.Hosts == nil || v.Questions == nil || v.offsets == nil {
			t.Fatal("a list is nil")
		}
	})
}
