package panel

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/domain"
)

// FuzzPanelInput validates panelists and agenda items made of any text and any times: validation
// answers with the fields at fault, and whatever it lets through PostgreSQL can store and lies
// within the event.
func FuzzPanelInput(f *testing.F) {
	f.Add("Praxisvertretung Stadt Köln", "Digitalisierung", "Erste Zeile\r\nzweite", "Impuls", "Die Studie\nin Kürze", int64(300), int64(1800))
	f.Add("Kreis\x00Wesel", "\xff", "\x00", "Titel\nBcc: x", "K\xf6ln", int64(-60), int64(0))
	f.Add("", " \t ", "a\tb", "", "", int64(253_402_336_800), int64(253_402_340_400))
	f.Fuzz(func(t *testing.T, name, role, bio, title, description string, startOffset, endOffset int64) {
		e := testEvent()
		p, err := PanelistInput{Name: name, Role: role, Organization: role, Municipality: role, Bio: bio}.validate()
		if err == nil {
			for _, s := range []string{p.Name, p.Role, p.Organization, p.Municipality, p.Bio} {
				if !domain.Storable(s) {
					t.Fatalf("accepted text PostgreSQL cannot store: %q", s)
				}
			}
		} else if v := (*domain.ValidationError)(nil); !errors.As(err, &v) || len(v.Fields) == 0 {
			t.Fatalf("not a validation error naming fields: %v", err)
		}

		item := AgendaItemInput{Title: title, Kind: KindTalk, Description: description,
			StartsAt: e.StartsAt.Add(time.Duration(startOffset) * time.Second), EndsAt: e.StartsAt.Add(time.Duration(endOffset) * time.Second)}
		a, err := item.validate(context.Background(), nil, e)
		if err != nil {
			if v := (*domain.ValidationError)(nil); !errors.As(err, &v) || len(v.Fields) == 0 {
				t.Fatalf("not a validation error naming fields: %v", err)
			}
			return
		}
		if !domain.Storable(a.Title) || !domain.Storable(a.Description) {
			t.Fatalf("accepted text PostgreSQL cannot store: %q %q", a.Title, a.Description)
		}
		if a.StartsAt.Before(e.StartsAt) || a.EndsAt.After(e.EndsAt) || !a.EndsAt.After(a.StartsAt) {
			t.Fatalf("accepted %v–%v for an event %v–%v", a.StartsAt, a.EndsAt, e.StartsAt, e.EndsAt)
		}
	})
}
