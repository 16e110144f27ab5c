// Package panel holds an event's panelists and its agenda.
package panel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/domain"
)

// Kinds of agenda items.
const (
	KindTalk  = "talk"
	KindPanel = "panel"
	KindQA    = "qa"
	KindBreak = "break"
)

// Panelist is a person on the panel of an event.
type Panelist struct {
	ID           int64  `db:"id" json:"id"`
	EventID      int64  `db:"event_id" json:"-"`
	Name         string `db:"name" json:"name"`
	Role         string `db:"role" json:"role"`
	Organization string `db:"organization" json:"organization"`
	Municipality string `db:"municipality" json:"municipality"`
	Bio          string `db:"bio" json:"bio"`
	Position     int    `db:"position" json:"position"`
}

// AgendaItem is one part of an event's programme.
type AgendaItem struct {
	ID          int64         `db:"id" json:"id"`
	EventID     int64         `db:"event_id" json:"-"`
	StartsAt    time.Time     `db:"starts_at" json:"starts_at"`
	EndsAt      time.Time     `db:"ends_at" json:"ends_at"`
	Title       string        `db:"title" json:"title"`
	Kind        string        `db:"kind" json:"kind"`
	Description string        `db:"description" json:"description"`
	PanelistIDs pq.Int64Array `db:"panelist_ids" json:"panelist_ids"`
}

// Panelists returns the event's panelists in their listed order.
func Panelists(ctx context.Context, q sqlx.QueryerContext, eventID int64) ([]Panelist, error) {
	query := `SELECT id, event_id, name, role, organization, municipality, bio, position
		FROM panelists WHERE event_id = $1 ORDER BY position, id`
	ps := []Panelist{}
	if err := sqlx.SelectContext(ctx, q, &ps, query, eventID); err != nil {
		return nil, fmt.Errorf("panel: unable to fetch panelists: %w", err)
	}
	return ps, nil
}

// Agenda returns the event's agenda items by start time, each with its panelists' ids.
func Agenda(ctx context.Context, q sqlx.QueryerContext, eventID int64) ([]AgendaItem, error) {
	agendas, err := Agendas(ctx, q, []int64{eventID})
	if err != nil {
		return nil, err
	}
	if agendas[eventID] == nil {
		return []AgendaItem{}, nil
	}
	return agendas[eventID], nil
}

// Agendas returns the agendas of many events in one query, by event id, as a calendar feed
// needs them.
func Agendas(ctx context.Context, q sqlx.QueryerContext, eventIDs []int64) (map[int64][]AgendaItem, error) {
	query := `SELECT a.id, a.event_id, a.starts_at, a.ends_at, a.title, a.kind, a.description,
			COALESCE(array_agg(ap.panelist_id ORDER BY p.position, p.id) FILTER (WHERE ap.panelist_id IS NOT NULL), '{}') AS panelist_ids
		FROM agenda_items a
		LEFT JOIN agenda_item_panelists ap ON ap.agenda_item_id = a.id
		LEFT JOIN panelists p ON p.id = ap.panelist_id
		WHERE a.event_id = ANY($1)
		GROUP BY a.id
		ORDER BY a.starts_at, a.id`
	var items []AgendaItem
	if err := sqlx.SelectContext(ctx, q, &items, query, pq.Array(eventIDs)); err != nil {
		return nil, fmt.Errorf("panel: unable to fetch agenda: %w", err)
	}
	out := map[int64][]AgendaItem{}
	for _, it := range items {
		out[it.EventID] = append(out[it.EventID], it)
	}
	return out, nil
}

// PanelistByID returns a panelist of the event; an id of another event is not found.
func PanelistByID(ctx context.Context, q sqlx.QueryerContext, eventID, id int64) (*Panelist, error) {
	query := `SELECT id, event_id, name, role, organization, municipality, bio, position
		FROM panelists WHERE id = $1 AND event_id = $2`
	var p Panelist
	if err := sqlx.GetContext(ctx, q, &p, query, id, eventID); err != nil {
		return nil, notFound(err, "unable to fetch panelist")
	}
	return &p, nil
}

// AgendaItemByID returns an agenda item of the event with its panelists' ids; an id of another
// event is not found.
func AgendaItemByID(ctx context.Context, q sqlx.QueryerContext, eventID, id int64) (*AgendaItem, error) {
	query := `SELECT a.id, a.event_id, a.starts_at, a.ends_at, a.title, a.kind, a.description,
			COALESCE(array_agg(ap.panelist_id ORDER BY p.position, p.id) FILTER (WHERE ap.panelist_id IS NOT NULL), '{}') AS panelist_ids
		FROM agenda_items a
		LEFT JOIN agenda_item_panelists ap ON ap.agenda_item_id = a.id
		LEFT JOIN panelists p ON p.id = ap.panelist_id
		WHERE a.id = $1 AND a.event_id = $2
		GROUP BY a.id`
	var a AgendaItem
	if err := sqlx.GetContext(ctx, q, &a, query, id, eventID); err != nil {
		return nil, notFound(err, "unable to fetch agenda item")
	}
	return &a, nil
}

// notFound turns "no rows" into domain.ErrNotFound and wraps any other error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.ErrNotFound
	}
	return fmt.Errorf("panel: %s: %w", what, err)
}

// Programme is an event's panel and agenda together, as event pages and the event JSON show them.
type Programme struct {
	Panelists []Panelist   `json:"panelists"`
	Agenda    []AgendaItem `json:"agenda"`
}

// ProgrammeOf returns the event's panelists and agenda.
func ProgrammeOf(ctx context.Context, q sqlx.QueryerContext, eventID int64) (*Programme, error) {
	ps, err := Panelists(ctx, q, eventID)
	if err != nil {
		return nil, err
	}
	agenda, err := Agenda(ctx, q, eventID)
	if err != nil {
		return nil, err
	}
	return &Programme{Panelists: ps, Agenda: agenda}, nil
}
