package demo_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/poll"
)

// The demo holds the websession at its real time (16:00 UTC: the clocks had gone back on
// 25 October 2020), hosted by ÖFIT and KGSt with its panel, agenda and the Kommunentyp question,
// plus a follow-up open for registration; loading it again adds nothing.
func TestLoadOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	log := slog.New(slog.DiscardHandler)
	for range 2 {
		if err := demo.Load(ctx, pool, now, log); err != nil {
			t.Fatal(err)
		}
	}
	var events, panelists, items int
	pool.Get(&events, `SELECT count(*) FROM events`)
	pool.Get(&panelists, `SELECT count(*) FROM panelists`)
	pool.Get(&items, `SELECT count(*) FROM agenda_items`)
	if events != 2 || panelists != 8 || items != 7 {
		t.Fatalf("after two loads: %d events, %d panelists, %d agenda items; want 2, 8, 7", events, panelists, items)
	}

	w, err := event.BySlug(ctx, pool, demo.WebsessionSlug)
	if err != nil {
		t.Fatal(err)
	}
	if !w.StartsAt.Equal(time.Date(2020, 10, 29, 16, 0, 0, 0, time.UTC)) || !w.EndsAt.Equal(time.Date(2020, 10, 29, 17, 30, 0, 0, time.UTC)) {
		t.Errorf("websession %v – %v", w.StartsAt, w.EndsAt)
	}
	if w.Timezone != "Europe/Berlin" || len(w.Hosts) != 2 || w.Hosts[0] != "ÖFIT" || w.Hosts[1] != "KGSt" || w.Status != event.StatusPublished {
		t.Errorf("websession: %s %v %s", w.Timezone, w.Hosts, w.Status)
	}
	if len(w.Questions) != 1 || w.Questions[0].Key != "kommunentyp" || len(w.Questions[0].Options) != 4 {
		t.Errorf("Kommunentyp question: %+v", w.Questions)
	}
	ps, _ := panel.Panelists(ctx, pool, w.ID)
	var places []string
	for _, p := range ps {
		places = append(places, p.Municipality)
	}
	want := []string{"Kreis Wesel", "Stadt Köln", "Stadt Freiburg im Breisgau", "Stadt Pattensen"}
	if len(places) != 4 || places[0] != want[0] || places[1] != want[1] || places[2] != want[2] || places[3] != want[3] {
		t.Errorf("panel municipalities %v", places)
	}
	agenda, _ := panel.Agenda(ctx, pool, w.ID)
	if len(agenda) != 4 || agenda[0].Title != "Begrüßung" || len(agenda[2].PanelistIDs) != 4 || len(agenda[0].PanelistIDs) != 0 {
		t.Errorf("agenda: %+v", agenda)
	}

	polls, _ := poll.List(ctx, pool, w.ID, true)
	if len(polls) != 1 || polls[0].Question != demo.KommunentypPoll || len(polls[0].Options) != 4 || polls[0].Options[3] != "Die Community Manager" ||
		polls[0].State != poll.StateClosed || !polls[0].ResultsVisible || !polls[0].OnPresenter {
		t.Fatalf("Kommunentyp poll: %+v", polls)
	}
	results, _ := poll.ResultsOf(ctx, pool, polls)
	if r := results[polls[0].ID]; r.Participants < 100 || r.Options[0].Count == 0 || r.Options[3].Count == 0 {
		t.Errorf("Kommunentyp results: %+v", r)
	}

	f, err := event.BySlug(ctx, pool, demo.FollowUpSlug)
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := f.StartsAt.In(berlin)
	if !f.RegistrationOpen(now) || start.Weekday() != time.Thursday || start.Hour() != 17 || f.StartsAt.Sub(now) < 20*24*time.Hour {
		t.Errorf("follow-up at %v, open %v: want a Thursday 17:00 a few weeks ahead, open now", start, f.RegistrationOpen(now))
	}
}
