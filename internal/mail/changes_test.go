package mail_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/registration"
)

// The update after a move tells each attendee what changed, "bisher … / neu …": the time in
// the zone's spoken name (MESZ before the clocks go back, MEZ after), the place, the join link
// (in words: the meeting's URL never goes into a mail) and the title. Updates that never went out,
// because the worker was down, are replaced by one that tells what changed since the last one
// the attendee got.
func TestUpdateMailTellsWhatChanged(t *testing.T) {
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	ctx := context.Background()
	in := event.NewInput()
	in.Title = "Digitale Kommune: Vom Typ zur Tat"
	in.StartsAt = time.Date(2030, 10, 24, 15, 0, 0, 0, time.UTC) // 17:00 in Berlin, summer time
	in.EndsAt = in.StartsAt.Add(90 * time.Minute)
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "oefit@example.org"
	in.OnlineURL = "https://konferenz.example.org/raum-7"
	in.Status, in.DoubleOptIn = event.StatusPublished, false
	e, err := event.Create(ctx, pool, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	register(t, pool, e, "Erika Mustermann", "erika@pattensen.example")
	if _, _, err := registration.Register(ctx, pool, key, e, registration.Input{Name: "Ada", Email: "ada@example.org", Consent: true,
		Language: "en", Answers: map[string]json.RawMessage{}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	w := newWorker(t, pool, smtp)
	mailtest.Drain(t, w) // the registration mails

	move := func(change func(*event.Input)) {
		t.Helper()
		current, err := event.ByID(ctx, pool, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := event.InputOf(current)
		change(&in)
		if _, err := registration.UpdateEvent(ctx, pool, current, in, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// updates sends what is due and returns the plain text of each update, by recipient.
	updates := func() map[string]string {
		t.Helper()
		before := len(smtp.Messages())
		mailtest.Drain(t, w)
		out := map[string]string{}
		for _, m := range smtp.Messages()[before:] {
			_, bodies, _ := parts(t, m.Data)
			out[m.To[0]] = strings.ReplaceAll(bodies["text/plain"]+bodies["text/html"], "\r\n", "\n")
		}
		return out
	}
	contains := func(who, mail string, wants ...string) {
		t.Helper()
		for _, want := range wants {
			if !strings.Contains(mail, want) {
				t.Errorf("%s's update lacks %q:\n%s", who, want, mail)
			}
		}
	}

	move(func(in *event.Input) {
		in.Title = "Digitale Kommune: Vom Typ zur Tat (neuer Termin)"
		in.StartsAt = time.Date(2030, 10, 31, 16, 0, 0, 0, time.UTC) // 17:00 in Berlin, winter time
		in.EndsAt = in.StartsAt.Add(90 * time.Minute)
		in.Location = "Köln, Historisches Rathaus"
		in.OnlineURL = "https://konferenz.example.org/raum-9"
	})
	got := updates()
	if len(got) != 2 {
		t.Fatalf("%d updates, want one for each attendee", len(got))
	}
	erika, ada := got["erika@pattensen.example"], got["ada@example.org"]
	contains("Erika", erika, "Was sich geändert hat\n",
		"Titel\n  bisher: Digitale Kommune: Vom Typ zur Tat\n  neu: Digitale Kommune: Vom Typ zur Tat (neuer Termin)\n",
		"Wann\n  bisher: Donnerstag, 24. Oktober 2030, 17:00–18:30 Uhr (MESZ)\n  neu: Donnerstag, 31. Oktober 2030, 17:00–18:30 Uhr (MEZ)\n",
		"Wo\n  bisher: kein Ort angegeben\n  neu: Köln, Historisches Rathaus\n",
		"Online-Zugang\n  bisher: der bisherige Online-Raum\n  neu: ein neuer Online-Raum; Ihr persönlicher Zugangslink führt Sie dorthin\n",
		"Zeitzone: MEZ (Europe/Berlin)",
		`bisher: <span style="text-decoration: line-through;">Donnerstag, 24. Oktober 2030, 17:00–18:30 Uhr (MESZ)</span>`)
	contains("Ada", ada, "What has changed\n",
		"When\n  before: Thursday, 24 October 2030, 17:00–18:30 (CEST)\n  now: Thursday, 31 October 2030, 17:00–18:30 (CET)\n",
		"Time zone: CET (Europe/Berlin)")
	for who, mail := range got {
		if strings.Contains(mail, "raum-7") || strings.Contains(mail, "raum-9") {
			t.Errorf("%s's update carries the meeting's own URL", who)
		}
	}

	// Two moves before the worker comes round: one update, from the last appointment Erika was
	// told of.
	move(func(in *event.Input) {
		in.StartsAt, in.EndsAt = in.StartsAt.AddDate(0, 0, 7), in.EndsAt.AddDate(0, 0, 7)
	})
	move(func(in *event.Input) { in.Location = "" })
	got = updates()
	contains("Erika", got["erika@pattensen.example"],
		"Wann\n  bisher: Donnerstag, 31. Oktober 2030, 17:00–18:30 Uhr (MEZ)\n  neu: Donnerstag, 7. November 2030, 17:00–18:30 Uhr (MEZ)\n",
		"Wo\n  bisher: Köln, Historisches Rathaus\n  neu: kein Ort angegeben\n")
	if strings.Contains(got["erika@pattensen.example"], "Titel\n") || len(got) != 2 {
		t.Errorf("after two moves: %d updates, Erika's:\n%s", len(got), got["erika@pattensen.example"])
	}
}
