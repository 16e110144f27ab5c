package registration

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// maxJoinsRecorded bounds the joins kept per registration. A person who reconnects all afternoon
// still counts; a script that follows its link in a loop cannot fill the table.
const maxJoinsRecorded = 200

// What a personal join link does for its registration at a given moment.
const (
	JoinOpen           = "open"            // leads into the meeting, and the join is recorded
	JoinEarly          = "early"           // the meeting opens later: when, and the calendar
	JoinOver           = "over"            // the event has ended
	JoinPending        = "pending"         // the address is not confirmed yet
	JoinWaitlisted     = "waitlisted"      // no seat (yet)
	JoinCancelled      = "cancelled"       // the registration is cancelled
	JoinEventCancelled = "event_cancelled" // the event is cancelled
	JoinNotOnline      = "not_online"      // the event has no online meeting
)

// Joining is what a personal join link leads to: the state, and for JoinOpen the meeting.
type Joining struct {
	State        string
	Registration *Registration
	Event        *event.Event
	// OpensAt is when the link starts to lead into the meeting.
	OpensAt time.Time
}

// JoinOpensAt is when the personal join links of e start to lead into the meeting.
func JoinOpensAt(e *event.Event, opensBefore time.Duration) time.Time {
	return e.StartsAt.Add(-opensBefore)
}

// joinState decides what the link of r does at now. The meeting is open from opensBefore
// before the start until the end; only a seat in a published event with an online meeting
// gets in.
func joinState(r *Registration, e *event.Event, now time.Time, opensBefore time.Duration) string {
	switch {
	case r.Status == StatusCancelled:
		return JoinCancelled
	case e.Status == event.StatusCancelled:
		return JoinEventCancelled
	case r.Status == StatusPending:
		return JoinPending
	case r.Status == StatusWaitlisted:
		return JoinWaitlisted
	case e.OnlineURL == "":
		return JoinNotOnline
	case now.Before(JoinOpensAt(e, opensBefore)):
		return JoinEarly
	case e.IsPast(now):
		return JoinOver
	}
	return JoinOpen
}

// Join follows a personal join link (its token is auth.ManageKey.JoinToken) at now. While the
// meeting is open it records the join and marks the person attended: whoever came into the room
// early stays for the event, so a join from the opening on counts, not only one after the
// start. An unknown, forged or erased token is domain.ErrNotFound; every other refusal is a
// state, which the caller explains.
func Join(ctx context.Context, pool *sqlx.DB, key auth.ManageKey, token string, now time.Time, opensBefore time.Duration) (*Joining, error) {
	j, err := LookAtJoin(ctx, pool, key, token, now, opensBefore)
	if err != nil {
		return nil, err
	}
	if j.State == JoinOpen {
		if err := recordJoin(ctx, pool, j.Registration.ID, now); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// LookAtJoin tells what a personal join link leads to at now, without following it.
func LookAtJoin(ctx context.Context, q sqlx.QueryerContext, key auth.ManageKey, token string, now time.Time, opensBefore time.Duration) (*Joining, error) {
	r, err := byJoinToken(ctx, q, key, token)
	if err != nil {
		return nil, err
	}
	e, err := event.ByID(ctx, q, r.EventID)
	if err != nil {
		return nil, err
	}
	if e.Status == event.StatusDraft {
		return nil, domain.ErrNotFound // nobody registers for a draft; its link leads nowhere
	}
	return &Joining{State: joinState(r, e, now, opensBefore), Registration: r, Event: e, OpensAt: JoinOpensAt(e, opensBefore)}, nil
}

// byJoinToken returns the registration a join token belongs to.
func byJoinToken(ctx context.Context, q sqlx.QueryerContext, key auth.ManageKey, token string) (*Registration, error) {
	id, ok := auth.JoinTokenID(token)
	if !ok {
		return nil, domain.ErrNotFound
	}
	var r Registration
	query := `SELECT ` + columns + ` FROM registrations WHERE id = $1 AND erased_at IS NULL`
	err := sqlx.GetContext(ctx, q, &r, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("registration: fetch by join token: %w", err)
	}
	if !key.CheckJoinToken(token, r.ID, r.TokenSalt) {
		return nil, domain.ErrNotFound
	}
	return &r, nil
}

// JoinToken returns the token of r's personal join link.
func JoinToken(key auth.ManageKey, r *Registration) string {
	return key.JoinToken(r.ID, r.TokenSalt)
}

// recordJoin keeps the moment of a join and marks the registration attended, in one statement.
// Both hold only while the registration still holds its seat: a cancellation that overtook the
// join leaves nothing behind.
func recordJoin(ctx context.Context, q sqlx.ExecerContext, registrationID int64, at time.Time) error {
	query := `WITH seat AS (
			SELECT id FROM registrations WHERE id = $1 AND status = 'confirmed' AND erased_at IS NULL
		), joined AS (
			INSERT INTO registration_joins (registration_id, joined_at)
			SELECT id, $2 FROM seat
			WHERE (SELECT count(*) FROM registration_joins WHERE registration_id = $1) < $3
		)
		UPDATE registrations r SET attended = true, updated_at = now()
		FROM seat WHERE r.id = seat.id AND NOT r.attended`
	if _, err := q.ExecContext(ctx, query, registrationID, at, maxJoinsRecorded); err != nil {
		return fmt.Errorf("registration: record join: %w", err)
	}
	return nil
}

// Joins sums up how a registration used its personal join link.
type Joins struct {
	First *time.Time `db:"first_joined_at" json:"first_joined_at"`
	Count int        `db:"joins" json:"joins"`
}

// JoinsOf returns the joins of these registrations by registration id; a registration that
// never joined is missing from the map, and its zero Joins says so.
func JoinsOf(ctx context.Context, q sqlx.QueryerContext, registrationIDs []int64) (map[int64]Joins, error) {
	query := `SELECT registration_id, min(joined_at) AS first_joined_at, count(*) AS joins
		FROM registration_joins WHERE registration_id = ANY($1) GROUP BY registration_id`
	var rows []struct {
		ID int64 `db:"registration_id"`
		Joins
	}
	if err := sqlx.SelectContext(ctx, q, &rows, query, pq.Array(registrationIDs)); err != nil {
		return nil, fmt.Errorf("registration: joins: %w", err)
	}
	out := make(map[int64]Joins, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Joins
	}
	return out, nil
}

// JoinTimes returns the moments a registration joined, oldest first.
func JoinTimes(ctx context.Context, q sqlx.QueryerContext, registrationID int64) ([]time.Time, error) {
	out := []time.Time{}
	query := `SELECT joined_at FROM registration_joins WHERE registration_id = $1 ORDER BY joined_at`
	if err := sqlx.SelectContext(ctx, q, &out, query, registrationID); err != nil {
		return nil, fmt.Errorf("registration: join times: %w", err)
	}
	return out, nil
}
