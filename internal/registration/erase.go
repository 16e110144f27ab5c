package registration

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// eraseQuery deletes the personal data of the registrations chosen by the filter (%s, on
// registrations r and their events e) and every copy of it:
//   - the registration's name, address, organization, municipality, role and answers; its token
//     stops working;
//   - messages still queued for it, which nobody should receive any more; one a worker is
//     sending right now is skipped, not waited for (the worker stores no address in its error);
//   - the errors of its other messages, in which mail servers quote the recipient;
//   - audit details of the event that name the person (they are replaced as a whole, since
//     nothing else in them is worth keeping beside a name).
//
// Questions of the live Q&A carry no link to a registration, so an author name typed there is
// not the registration's to erase. Status, times and attendance stay, so the counts do.
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
	), unsent AS (
		DELETE FROM outbox WHERE id IN (
			SELECT o.id FROM outbox o JOIN old ON old.id = o.registration_id
			WHERE o.status = 'queued'
			FOR UPDATE OF o SKIP LOCKED)
	), errors AS (
		UPDATE outbox o SET last_error = NULL
		FROM old WHERE o.registration_id = old.id AND o.status <> 'queued' AND o.last_error IS NOT NULL
	), audited AS (
		UPDATE audit_log a SET detail = '[erased]'
		FROM old
		WHERE a.event_id = old.event_id AND old.email <> ''
			AND (strpos(lower(a.detail), lower(old.email)) > 0
				OR (length(old.name) >= 3 AND strpos(lower(a.detail), lower(old.name)) > 0))
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
// endedBefore, as the retention period promises, with every copy of it as erase does. It returns
// how many registrations were erased.
func EraseEnded(ctx context.Context, q sqlx.QueryerContext, endedBefore time.Time) (int64, error) {
	var n int64
	if err := sqlx.GetContext(ctx, q, &n, fmt.Sprintf(eraseQuery, "e.ends_at < $1"), endedBefore); err != nil {
		return 0, fmt.Errorf("registration: erase ended: %w", err)
	}
	return n, nil
}
