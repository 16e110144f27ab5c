package registration

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// eraseQuery deletes the personal data of the registrations chosen by the filter (%s, on
// registrations r and their events e): name, address, organization, municipality, role and
// answers; the token stops working, and messages still queued go, since nobody should receive
// them any more. Status, times and attendance stay, so the counts do.
const eraseQuery = `WITH old AS (
		SELECT r.id FROM registrations r JOIN events e ON e.id = r.event_id
		WHERE %s AND r.erased_at IS NULL
		FOR UPDATE OF r
	), erased AS (
		UPDATE registrations r SET name = '', email = '', organization = '', municipality = '',
			role = '', answers = '{}', token_hash = sha256(convert_to(gen_random_uuid()::text, 'UTF8')),
			token_salt = '\x', erased_at = now(), updated_at = now()
		FROM old WHERE r.id = old.id
		RETURNING r.id
	), unsent AS (
		DELETE FROM outbox WHERE status = 'queued' AND registration_id IN (SELECT id FROM erased)
	)
	SELECT count(*) FROM erased`

// erase deletes the personal data of one registration, which the caller has locked.
func erase(ctx context.Context, tx sqlx.QueryerContext, id int64) error {
	var n int64
	if err := sqlx.GetContext(ctx, tx, &n, fmt.Sprintf(eraseQuery, "r.id = $1"), id); err != nil {
		return fmt.Errorf("registration: erase: %w", err)
	}
	return nil
}

// EraseEnded erases the personal data of everyone registered for an event that ended before
// endedBefore, as the retention period promises. It returns
// how many registrations were erased.
func EraseEnded(ctx context.Context, q sqlx.QueryerContext, endedBefore time.Time) (int64, error) {
	var n int64
	if err := sqlx.GetContext(ctx, q, &n, fmt.Sprintf(eraseQuery, "e.ends_at < $1"), endedBefore); err != nil {
		return 0, fmt.Errorf("registration: erase ended: %w", err)
	}
	return n, nil
}
