package panel

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// CreatePanelist validates in and adds the panelist to the event. Without a position, the
// panelist comes after the others.
func CreatePanelist(ctx context.Context, q sqlx.ExtContext, eventID int64, in PanelistInput) (*Panelist, error) {
	v, err := in.validate()
	if err != nil {
		return nil, err
	}
	return insertPanelist(ctx, q, eventID, v)
}

// AddPanelist stores a panelist of the event as given, without validation, as the demo data does.
func AddPanelist(ctx context.Context, q sqlx.ExtContext, p Panelist) (*Panelist, error) {
	position := p.Position
	return insertPanelist(ctx, q, p.EventID, &PanelistInput{Name: p.Name, Role: p.Role,
		Organization: p.Organization, Municipality: p.Municipality, Bio: p.Bio, Position: &position})
}

func insertPanelist(ctx context.Context, q sqlx.ExtContext, eventID int64, in *PanelistInput) (*Panelist, error) {
	query := `INSERT INTO panelists (event_id, name, role, organization, municipality, bio, position)
		VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7,
			(SELECT LEAST(COALESCE(MAX(position) + 1, 0), $8) FROM panelists WHERE event_id = $1)))
		RETURNING id, event_id, name, role, organization, municipality, bio, position`
	var out Panelist
	if err := sqlx.GetContext(ctx, q, &out, query, eventID, in.Name, in.Role, in.Organization,
		in.Municipality, in.Bio, in.Position, maxPosition); err != nil {
		return nil, fmt.Errorf("panel: unable to add panelist: %w", err)
	}
	return &out, nil
}

// UpdatePanelist validates in and makes it the panelist's new state. Without a position, the
// panelist moves after the others. A panelist of another event is not found.
func UpdatePanelist(ctx context.Context, q sqlx.ExtContext, eventID, id int64, in PanelistInput) (*Panelist, error) {
	v, err := in.validate()
	if err != nil {
		return nil, err
	}
	query := `UPDATE panelists SET name = $3, role = $4, organization = $5, municipality = $6, bio = $7,
			position = COALESCE($8,
				(SELECT LEAST(COALESCE(MAX(position) + 1, 0), $9) FROM panelists WHERE event_id = $2 AND id <> $1))
		WHERE id = $1 AND event_id = $2
		RETURNING id, event_id, name, role, organization, municipality, bio, position`
	var out Panelist
	if err := sqlx.GetContext(ctx, q, &out, query, id, eventID, v.Name, v.Role, v.Organization,
		v.Municipality, v.Bio, v.Position, maxPosition); err != nil {
		return nil, notFound(err, "unable to update panelist")
	}
	return &out, nil
}

// DeletePanelist removes a panelist of the event, and with them their place in agenda items.
func DeletePanelist(ctx context.Context, q sqlx.ExecerContext, eventID, id int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM panelists WHERE id = $1 AND event_id = $2`, id, eventID)
	if err != nil {
		return fmt.Errorf("panel: unable to delete panelist: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// CreateAgendaItem validates in against the event and adds the item with its panelists.
func CreateAgendaItem(ctx context.Context, pool *sqlx.DB, e *event.Event, in AgendaItemInput) (*AgendaItem, error) {
	var out *AgendaItem
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		v, err := in.validate(ctx, tx, e)
		if err != nil {
			return err
		}
		out, err = AddAgendaItem(ctx, tx, AgendaItem{EventID: e.ID, StartsAt: v.StartsAt, EndsAt: v.EndsAt,
			Title: v.Title, Kind: v.Kind, Description: v.Description, PanelistIDs: v.PanelistIDs})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddAgendaItem stores an agenda item of the event with the panelists it involves, as given,
// without validation, as the demo data does. Ids of other events' panelists are left out.
func AddAgendaItem(ctx context.Context, q sqlx.ExtContext, a AgendaItem) (*AgendaItem, error) {
	query := `INSERT INTO agenda_items (event_id, starts_at, ends_at, title, kind, description)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id, event_id, starts_at, ends_at, title, kind, description`
	var out AgendaItem
	if err := sqlx.GetContext(ctx, q, &out, query, a.EventID, a.StartsAt, a.EndsAt, a.Title, a.Kind, a.Description); err != nil {
		return nil, fmt.Errorf("panel: unable to add agenda item: %w", err)
	}
	if err := linkPanelists(ctx, q, a.EventID, out.ID, a.PanelistIDs); err != nil {
		return nil, err
	}
	out.PanelistIDs = a.PanelistIDs
	if out.PanelistIDs == nil {
		out.PanelistIDs = pq.Int64Array{}
	}
	return &out, nil
}

// UpdateAgendaItem validates in against the event and makes it the item's new state, its
// panelists replaced by those of in. An item of another event is not found.
func UpdateAgendaItem(ctx context.Context, pool *sqlx.DB, e *event.Event, id int64, in AgendaItemInput) (*AgendaItem, error) {
	var out AgendaItem
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		v, err := in.validate(ctx, tx, e)
		if err != nil {
			return err
		}
		query := `UPDATE agenda_items SET starts_at = $3, ends_at = $4, title = $5, kind = $6, description = $7
			WHERE id = $1 AND event_id = $2
			RETURNING id, event_id, starts_at, ends_at, title, kind, description`
		if err := sqlx.GetContext(ctx, tx, &out, query, id, e.ID, v.StartsAt, v.EndsAt, v.Title, v.Kind, v.Description); err != nil {
			return notFound(err, "unable to update agenda item")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM agenda_item_panelists WHERE agenda_item_id = $1`, id); err != nil {
			return fmt.Errorf("panel: unable to unlink panelists: %w", err)
		}
		out.PanelistIDs = v.PanelistIDs
		return linkPanelists(ctx, tx, e.ID, id, v.PanelistIDs)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAgendaItem removes an agenda item of the event.
func DeleteAgendaItem(ctx context.Context, q sqlx.ExecerContext, eventID, id int64) error {
	res, err := q.ExecContext(ctx, `DELETE FROM agenda_items WHERE id = $1 AND event_id = $2`, id, eventID)
	if err != nil {
		return fmt.Errorf("panel: unable to delete agenda item: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// linkPanelists records which of the event's panelists take part in an agenda item.
func linkPanelists(ctx context.Context, q sqlx.ExecerContext, eventID, itemID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	query := `INSERT INTO agenda_item_panelists (agenda_item_id, panelist_id)
		SELECT $1, p.id FROM panelists p WHERE p.id = ANY($2) AND p.event_id = $3`
	if _, err := q.ExecContext(ctx, query, itemID, pq.Array(ids), eventID); err != nil {
		return fmt.Errorf("panel: unable to link panelists: %w", err)
	}
	return nil
}
