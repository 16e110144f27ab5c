package registration

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/outbox"
)

// eraseQuery deletes the personal data of the registrations chosen by the filter (%s, on
// registrations r and their events e) and returns their ids:
//   - the registration's name, address, organization, municipality, role and answers; its token
//     stops working;
//   - audit details of the event that name the person (they are replaced as a whole, since
//     nothing else in them is worth keeping beside a name);
//   - the attendance certificate, so that its code no longer confirms anything.
//
// What the outbox holds of them goes in the same transaction (outbox.Forget). Questions of the
// live Q&A carry no link to a registration, so an author name typed there is not the
// registration's to erase. Status, times and attendance stay, so the counts do.
const eraseQuery = `WITH old AS (
		SELECT r.id, r.event_id, r.name, r.email FROM registrations r JOIN events e ON e.id = r.event_id
		WHERE %s AND r.erased_at IS NULL
		FOR UPDATE OF r
	), erased AS (
		UPDATE registrations r SET name = '', email = '', organization = '', municipality = '',
			role = '', answers = '{}', token_hash = sha256(convert_to(gen_random_uuid()::text, 'UTF8')),
			token_salt = '\x', erased_at = now(), updated_at = now()
		FROM old WHERE r.id = old.id
		RETURNING r.id
	), certified AS (
		DELETE FROM certificates c USING old WHERE c.registration_id = old.id
	), audited AS (
		UPDATE audit_log a SET detail = '[erased]'
		FROM old
		WHERE a.event_id = old.event_id AND old.email <> ''
			AND (strpos(lower(a.detail), lower(old.email)) > 0
				OR (length(old.name) >= 3 AND strpos(lower(a.detail), lower(old.name)) > 0))
	)
	SELECT id FROM erased`

// erase deletes the personal data of one registration, which the caller has locked, and every
// copy of it, in the caller's transaction.
func erase(ctx context.Context, tx sqlx.ExtContext, id int64) error {
	_, err := eraseWhere(ctx, tx, "r.id = $1", id)
	return err
}

// EraseEnded erases the personal data of everyone registered for an event that ended before
// endedBefore, as the retention period promises, with every copy of it as erase does, in one
// transaction. It returns how many registrations were erased.
func EraseEnded(ctx context.Context, pool *sqlx.DB, endedBefore time.Time) (int64, error) {
	var n int64
	err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		ids, err := eraseWhere(ctx, tx, "e.ends_at < $1", endedBefore)
		n = int64(len(ids))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("registration: erase ended: %w", err)
	}
	return n, nil
}

// eraseWhere erases the registrations the filter chooses and what the outbox holds of them.
func eraseWhere(ctx context.Context, tx sqlx.ExtContext, filter string, arg any) ([]int64, error) {
	var ids []int64
	if err := sqlx.SelectContext(ctx, tx, &ids, fmt.Sprintf(eraseQuery, filter), arg); err != nil {
		return nil, fmt.Errorf("registration: erase: %w", err)
	}
	if err := outbox.Forget(ctx, tx, ids); err != nil {
		return nil, err
	}
	return ids, nil
}
