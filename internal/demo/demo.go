// Package demo loads the demonstration events: the websession "Digitale Kommune: Eine
// Typfrage?" of ÖFIT and KGSt at its real date with its Kommunentyp poll, and an upcoming follow-up session that is open
// for registration, so that everything can be tried at once.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
)

// Slugs of the demo events.
const (
	WebsessionSlug = "digitale-kommune-eine-typfrage"
	FollowUpSlug   = "digitale-kommune-vom-typ-zur-tat"
)

var kommunentyp = event.Question{
	Key:      "kommunentyp",
	Label:    "Welcher Kommunentyp beschreibt Ihre Kommune am besten?",
	Kind:     event.KindSelect,
	Options:  []string{"Die Bedächtigen", "Die Optimierer", "Die Serviceorientierten", "Die Community Manager"},
	Required: false,
}

// The panel is described by role and municipality only: the demo invents no personal names.
var panelists = []panel.Panelist{
	{Name: "Praxisvertretung Kreis Wesel", Role: "Verantwortlich für die Digitalisierung der Kreisverwaltung", Organization: "Kreisverwaltung Wesel", Municipality: "Kreis Wesel"},
	{Name: "Praxisvertretung Stadt Köln", Role: "Verantwortlich für Digitalisierung und Verwaltungsmodernisierung", Organization: "Stadtverwaltung Köln", Municipality: "Stadt Köln"},
	{Name: "Praxisvertretung Stadt Freiburg im Breisgau", Role: "Verantwortlich für die digitale Stadtverwaltung", Organization: "Stadtverwaltung Freiburg im Breisgau", Municipality: "Stadt Freiburg im Breisgau"},
	{Name: "Praxisvertretung Stadt Pattensen", Role: "Verantwortlich für Bürgerservice und Digitalisierung", Organization: "Stadtverwaltung Pattensen", Municipality: "Stadt Pattensen"},
}

const websessionDescription = `Wie digital sind Deutschlands Kommunen, und was unterscheidet sie dabei? ÖFIT und KGSt haben rund 400 Kommunen befragt und sie vier Typen zugeordnet: den Bedächtigen, den Optimierern, den Serviceorientierten und den Community Managern.

In dieser Websession stellen wir die Studie in einem kurzen Impuls vor. Anschließend diskutieren Praktikerinnen und Praktiker aus dem Kreis Wesel, aus Köln, Freiburg und Pattensen, was die Typen für die eigene Arbeit bedeuten. Ihre Fragen aus dem virtuellen Publikum sind ausdrücklich willkommen.`

const followUpDescription = `Die Studie von ÖFIT und KGSt hat gezeigt: Es gibt nicht den einen Weg zur digitalen Kommune. In dieser Folgesitzung berichten Kommunen aus allen vier Typen, welche nächsten Schritte sich für sie bewährt haben, und beantworten Ihre Fragen live.

Die Teilnahme ist kostenlos. Den Zugangslink erhalten Sie mit der Anmeldebestätigung.`

// Load creates the demo events that do not exist yet; calling it again adds nothing.
func Load(ctx context.Context, pool *sqlx.DB, now time.Time, log *slog.Logger) error {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	websessionStart := time.Date(2020, 10, 29, 17, 0, 0, 0, berlin)
	if err := load(ctx, pool, websession(websessionStart), websessionAgenda, log); err != nil {
		return err
	}
	if err := loadPoll(ctx, pool, log); err != nil {
		return err
	}
	// A few weeks ahead of the first load, on a Thursday at 17:00 like the original.
	day := now.In(berlin).AddDate(0, 0, 21)
	for day.Weekday() != time.Thursday {
		day = day.AddDate(0, 0, 1)
	}
	followUpStart := time.Date(day.Year(), day.Month(), day.Day(), 17, 0, 0, 0, berlin)
	return load(ctx, pool, followUp(followUpStart), followUpAgenda, log)
}

func websession(start time.Time) event.Input {
	in := event.NewInput()
	in.Slug = WebsessionSlug
	in.Title = "Digitale Kommune: Eine Typfrage?"
	in.Subtitle = "Websession von ÖFIT und KGSt mit Impuls und Podiumsdiskussion"
	in.Description = websessionDescription
	in.StartsAt, in.EndsAt = start, start.Add(90*time.Minute)
	in.Location = "Online (Websession)"
	in.Hosts = []string{"ÖFIT", "KGSt"}
	in.OrganizerName, in.OrganizerEmail = "Kompetenzzentrum Öffentliche IT (ÖFIT)", "veranstaltungen@oeffentliche-it.example"
	in.Status = event.StatusPublished
	in.Questions = []event.Question{kommunentyp}
	return in
}

func followUp(start time.Time) event.Input {
	in := websession(start)
	in.Slug = FollowUpSlug
	in.Title = "Digitale Kommune: Vom Typ zur Tat"
	in.Subtitle = "Folgesitzung: Praxisbeispiele aus allen vier Kommunentypen"
	in.Description = followUpDescription
	in.OnlineURL = "https://konferenz.oeffentliche-it.example/digitale-kommune"
	capacity := 100
	in.Capacity = &capacity
	return in
}

// agendaEntry is an agenda item relative to the event's start.
type agendaEntry struct {
	offset, length time.Duration
	title, kind    string
	withPanel      bool
}

var websessionAgenda = []agendaEntry{
	{0, 5 * time.Minute, "Begrüßung", panel.KindTalk, false},
	{5 * time.Minute, 20 * time.Minute, "Impuls: Vorstellung der Studie und der vier Kommunentypen", panel.KindTalk, false},
	{25 * time.Minute, 45 * time.Minute, "Podiumsdiskussion mit Praxisexpertinnen und -experten", panel.KindPanel, true},
	{70 * time.Minute, 20 * time.Minute, "Fragen aus dem Publikum", panel.KindQA, true},
}

var followUpAgenda = []agendaEntry{
	{0, 10 * time.Minute, "Begrüßung und Rückblick auf die Studie", panel.KindTalk, false},
	{10 * time.Minute, 50 * time.Minute, "Praxisrunde: nächste Schritte in vier Kommunen", panel.KindPanel, true},
	{60 * time.Minute, 30 * time.Minute, "Fragen aus dem Publikum", panel.KindQA, true},
}

// load creates one demo event with its panel and agenda, unless an event with its slug exists.
func load(ctx context.Context, pool *sqlx.DB, in event.Input, entries []agendaEntry, log *slog.Logger) error {
	if _, err := event.BySlug(ctx, pool, in.Slug); err == nil {
		return nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("demo: %w", err)
	}
	e, err := event.Create(ctx, pool, in, nil)
	var conflict *domain.ConflictError
	if errors.As(err, &conflict) {
		return nil // another process loaded it at the same moment
	}
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	err = db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		var ids []int64
		for i, p := range panelists {
			p.EventID, p.Position = e.ID, i+1
			added, err := panel.AddPanelist(ctx, tx, p)
			if err != nil {
				return err
			}
			ids = append(ids, added.ID)
		}
		for _, entry := range entries {
			item := panel.AgendaItem{EventID: e.ID, StartsAt: e.StartsAt.Add(entry.offset),
				EndsAt: e.StartsAt.Add(entry.offset + entry.length), Title: entry.title, Kind: entry.kind}
			if entry.withPanel {
				item.PanelistIDs = ids
			}
			if _, err := panel.AddAgendaItem(ctx, tx, item); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	log.Info("demo event loaded", "slug", e.Slug)
	return nil
}
