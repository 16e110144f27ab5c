package registration

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/reminder"
)

// ChangeEvent changes an event and tells its attendees what that means for them, in one
// transaction. edit works out the new input from the event as it is now, read and locked in the
// transaction, so that two organizers changing it at once both count: the second change sees
// the first, and each move raises the revision its calendar update carries. A change from an
// outdated copy (pre names another version) is refused with domain.ErrStale.
func ChangeEvent(ctx context.Context, pool *sqlx.DB, id int64, pre event.Precondition,
	edit func(current *event.Event) (event.Input, error), now time.Time) (*event.Event, error) {
	var updated *event.Event
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		current, err := event.ForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := pre.Check(current); err != nil {
			return err
		}
		in, err := edit(current)
		if err != nil {
			return err
		}
		if updated, err = event.Update(ctx, tx, current, in); err != nil {
			return err
		}
		return eventChanged(ctx, tx, current, updated, now)
	})
	return updated, err
}

// UpdateEvent gives the event the fields of in, as ChangeEvent does.
func UpdateEvent(ctx context.Context, pool *sqlx.DB, e *event.Event, in event.Input, now time.Time) (*event.Event, error) {
	return ChangeEvent(ctx, pool, e.ID, event.Precondition{}, func(*event.Event) (event.Input, error) { return in, nil }, now)
}

// CancelEvent cancels an event and tells everyone registered, in one transaction.
func CancelEvent(ctx context.Context, pool *sqlx.DB, e *event.Event, now time.Time) (*event.Event, error) {
	return CancelEventWithMessage(ctx, pool, e, "", now)
}

// CancelEventWithMessage is CancelEvent with the organizers' words to the attendees, which their
// cancellation mail carries.
func CancelEventWithMessage(ctx context.Context, pool *sqlx.DB, e *event.Event, message string, now time.Time) (*event.Event, error) {
	var cancelled *event.Event
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		current, err := event.ForUpdate(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		if cancelled, err = event.Cancel(ctx, tx, current, message, now); err != nil {
			return err
		}
		return eventChanged(ctx, tx, current, cancelled, now)
	})
	return cancelled, err
}

// eventChanged tells the people registered for an event what a change means for them, in the
// transaction of the change, after the event row was updated (and so locked):
//   - cancelled: everyone still registered gets the cancellation, and reminders and updates
//     still queued go;
//   - moved (its revision rose): pending and confirmed attendees get an update, which replaces
//     an update still queued, and the reminders follow the new time;
//   - other reminder offsets: the reminders follow them;
//   - more seats: the people waiting longest get them.
func eventChanged(ctx context.Context, tx sqlx.ExtContext, before, after *event.Event, now time.Time) error {
	if after.Status == event.StatusCancelled {
		if before.Status == event.StatusCancelled {
			return nil
		}
		if err := dropQueued(ctx, tx, after.ID, outbox.KindUpdated); err != nil {
			return err
		}
		if err := reminder.DropEvent(ctx, tx, after.ID); err != nil {
			return err
		}
		return enqueueForEvent(ctx, tx, after.ID, outbox.KindEventCancelled, "",
			StatusPending, StatusConfirmed, StatusWaitlisted)
	}
	if after.Status != event.StatusPublished {
		return reminder.DropEvent(ctx, tx, after.ID)
	}
	moved := after.Revision > before.Revision
	if moved {
		if err := announceMove(ctx, tx, before, after); err != nil {
			return err
		}
	}
	if moved || before.Status != event.StatusPublished || !slices.Equal(before.ReminderOffsets, after.ReminderOffsets) {
		if err := reminder.Reschedule(ctx, tx, after.ID, now); err != nil {
			return err
		}
	}
	// An event that had no capacity kept no count of its seats, and one without keeps none: the
	// count starts afresh (fillFreeSeats makes it).
	if (before.Capacity == nil) != (after.Capacity == nil) {
		if err := dropSeats(ctx, tx, after.ID); err != nil {
			return err
		}
	}
	// A raised (or lifted) capacity gives its new seats to the people waiting, after the update
	// mails, so that they get the news of their seat with the event as it is now.
	_, err := fillFreeSeats(ctx, tx, after.ID, 0, now)
	return err
}

// announceMove queues an update for the pending and confirmed attendees of a moved event, telling
// the appointment as it was (an update still queued from an earlier move is replaced and passes
// on the appointment as it was before that one), and withdraws the updates still queued for
// anyone else, who is no longer told of the event's moves.
func announceMove(ctx context.Context, tx sqlx.ExtContext, before, after *event.Event) error {
	was, err := json.Marshal(before.Appointment())
	if err != nil {
		return fmt.Errorf("registration: announce a move: %w", err)
	}
	statuses := pq.Array([]string{StatusPending, StatusConfirmed})
	told := outbox.Query{SQL: `SELECT id AS registration_id FROM registrations
			WHERE event_id = $1 AND status = ANY($2) AND erased_at IS NULL`, Args: []any{after.ID, statuses}}
	if err := outbox.Replace(ctx, tx, outbox.KindUpdated, fmt.Sprintf(":%d", after.Revision), told, was); err != nil {
		return err
	}
	others := outbox.Query{SQL: `SELECT id AS registration_id FROM registrations
			WHERE event_id = $1 AND NOT (status = ANY($2) AND erased_at IS NULL)`, Args: []any{after.ID, statuses}}
	return outbox.Withdraw(ctx, tx, outbox.KindUpdated, others)
}

// Recipients selects every registration of the event, with its address (” once erased), as
// the outbox embeds it to list, count or retry the event's messages.
func Recipients(eventID int64) outbox.Query {
	return outbox.Query{SQL: `SELECT id AS registration_id, email AS address FROM registrations WHERE event_id = $1`,
		Args: []any{eventID}}
}

// enqueueForEvent queues a message of kind for every registration of the event in one of the
// statuses whose data still exists. The suffix makes the dedupe key differ per revision, for
// updates.
func enqueueForEvent(ctx context.Context, q sqlx.ExtContext, eventID int64, kind, suffix string, statuses ...string) error {
	recipients := outbox.Query{SQL: `SELECT id AS registration_id FROM registrations
			WHERE event_id = $1 AND status = ANY($2) AND erased_at IS NULL`,
		Args: []any{eventID, pq.Array(statuses)}}
	return outbox.EnqueueEach(ctx, q, kind, suffix, recipients)
}

// dropQueued removes messages of kind still queued for the event's registrations; one a worker
// holds right now is left to finish.
func dropQueued(ctx context.Context, q sqlx.ExtContext, eventID int64, kind string) error {
	return outbox.Withdraw(ctx, q, kind, Recipients(eventID))
}
