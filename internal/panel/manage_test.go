package panel

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// createEvent stores an event from 17:00 to 18:30 Berlin on the day of start.
func createEvent(t *testing.T, pool *sqlx.DB, slug string) *event.Event {
	t.Helper()
	in := event.NewInput()
	in.Slug, in.Title = slug, "Digitale Kommune"
	in.StartsAt, in.EndsAt = start, start.Add(90*time.Minute)
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "veranstaltungen@example.org"
	e, err := event.Create(context.Background(), pool, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func addPanelist(t *testing.T, pool *sqlx.DB, eventID int64, name string, position *int) *Panelist {
	t.Helper()
	p, err := CreatePanelist(context.Background(), pool, eventID, PanelistInput{Name: name, Position: position})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A panelist without a position comes after the others; changes and deletions reach only the
// panelists of the event named.
func TestPanelistLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	e := createEvent(t, pool, "websession")
	other := createEvent(t, pool, "folgesitzung")

	first := addPanelist(t, pool, e.ID, "  Kreis Wesel ", nil)
	second := addPanelist(t, pool, e.ID, "Stadt Köln", nil)
	third := addPanelist(t, pool, e.ID, "Stadt Pattensen", ptr(maxPosition))
	fourth := addPanelist(t, pool, e.ID, "Stadt Freiburg", nil)
	if first.Name != "Kreis Wesel" || first.Position != 0 || second.Position != 1 || third.Position != maxPosition || fourth.Position != maxPosition {
		t.Errorf("positions %d %d %d %d, name %q", first.Position, second.Position, third.Position, fourth.Position, first.Name)
	}

	if _, err := CreatePanelist(ctx, pool, e.ID, PanelistInput{}); fieldsOf(t, err) == nil {
		t.Error("a panelist without a name was stored")
	}

	in := PanelistInputOf(first)
	in.Role, in.Position = "Landrat", nil
	updated, err := UpdatePanelist(ctx, pool, e.ID, first.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if updated.Role != "Landrat" || updated.Name != "Kreis Wesel" || updated.Position != maxPosition {
		t.Errorf("updated %+v", updated)
	}
	in.Position = ptr(5)
	if updated, err = UpdatePanelist(ctx, pool, e.ID, first.ID, in); err != nil || updated.Position != 5 {
		t.Errorf("explicit position: %v %+v", err, updated)
	}

	if _, err := PanelistByID(ctx, pool, other.ID, first.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("fetch through another event: %v", err)
	}
	if _, err := UpdatePanelist(ctx, pool, other.ID, first.ID, in); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("update through another event: %v", err)
	}
	if err := DeletePanelist(ctx, pool, other.ID, first.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("delete through another event: %v", err)
	}
	if err := DeletePanelist(ctx, pool, e.ID, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := DeletePanelist(ctx, pool, e.ID, first.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	ps, err := Panelists(ctx, pool, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if want := []string{"Stadt Köln", "Stadt Pattensen", "Stadt Freiburg"}; !slices.Equal(names, want) {
		t.Errorf("panel %v, want %v", names, want)
	}
}

// An agenda item involves only panelists of its own event, each once; its panelists are listed
// in the panel's order and replaced as a whole by a change.
func TestAgendaItemPanelists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	e := createEvent(t, pool, "websession")
	other := createEvent(t, pool, "folgesitzung")
	wesel := addPanelist(t, pool, e.ID, "Kreis Wesel", ptr(1))
	koeln := addPanelist(t, pool, e.ID, "Stadt Köln", ptr(2))
	stranger := addPanelist(t, pool, other.ID, "Stadt Freiburg", nil)

	in := validAgendaItem()
	in.PanelistIDs = []int64{stranger.ID, wesel.ID, wesel.ID, 999_999}
	_, err := CreateAgendaItem(ctx, pool, e, in)
	if got, want := fieldsOf(t, err), []string{"panelist_ids[0]", "panelist_ids[2]", "panelist_ids[3]"}; !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}

	in.PanelistIDs = []int64{koeln.ID, wesel.ID}
	item, err := CreateAgendaItem(ctx, pool, e, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{wesel.ID, koeln.ID}; !slices.Equal(item.PanelistIDs, want) || item.Title != "Impuls" {
		t.Errorf("created %+v, want panelists %v", item, want)
	}
	agenda, err := Agenda(ctx, pool, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(agenda) != 1 || !slices.Equal(agenda[0].PanelistIDs, item.PanelistIDs) {
		t.Errorf("agenda %+v", agenda)
	}

	in = AgendaItemInputOf(item)
	in.PanelistIDs, in.Title = []int64{koeln.ID}, "Podium"
	updated, err := UpdateAgendaItem(ctx, pool, e, item.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if updated.Title != "Podium" || !slices.Equal(updated.PanelistIDs, []int64{koeln.ID}) || !updated.StartsAt.Equal(item.StartsAt) {
		t.Errorf("updated %+v", updated)
	}
	if fetched, err := AgendaItemByID(ctx, pool, e.ID, item.ID); err != nil || !slices.Equal(fetched.PanelistIDs, []int64{koeln.ID}) {
		t.Errorf("fetched %+v %v", fetched, err)
	}

	if _, err := AgendaItemByID(ctx, pool, other.ID, item.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("fetch through another event: %v", err)
	}
	in.PanelistIDs = nil
	if _, err := UpdateAgendaItem(ctx, pool, other, item.ID, in); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("update through another event: %v", err)
	}
	if err := DeleteAgendaItem(ctx, pool, other.ID, item.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("delete through another event: %v", err)
	}

	// A panelist who leaves the panel leaves the agenda too.
	if err := DeletePanelist(ctx, pool, e.ID, koeln.ID); err != nil {
		t.Fatal(err)
	}
	if fetched, err := AgendaItemByID(ctx, pool, e.ID, item.ID); err != nil || len(fetched.PanelistIDs) != 0 {
		t.Errorf("after the panelist left: %+v %v", fetched, err)
	}
	if err := DeleteAgendaItem(ctx, pool, e.ID, item.ID); err != nil {
		t.Fatal(err)
	}
	if agenda, _ := Agenda(ctx, pool, e.ID); len(agenda) != 0 {
		t.Errorf("agenda after delete %+v", agenda)
	}
}
