// Package outbox owns the outbox table: every message Podium sends is a row here, written in the
// transaction of the change that causes it. Domain packages queue and withdraw messages through
// this package; the mail worker claims them under a lease, and records what became of each.
//
// The outbox knows registrations only by id. A statement about "the messages of these people"
// takes a Query written by the package that owns the people (see Query), so that the SQL of
// each table stays with its owner and the statement is still one round trip.
package outbox

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Kinds of messages to attendees.
const (
	KindConfirm        = "confirm"         // please confirm your email address
	KindRegistered     = "registered"      // your seat is confirmed
	KindWaitlisted     = "waitlisted"      // you are on the waitlist
	KindPromoted       = "promoted"        // a seat freed up for you
	KindCancelled      = "cancelled"       // your registration is cancelled
	KindUpdated        = "updated"         // the event moved: new time, place or join link
	KindEventCancelled = "event_cancelled" // the event will not take place
	KindReminder       = "reminder"        // the event begins soon
	KindFollowup       = "followup"        // thank you, after the event: certificate, poll results, survey
	KindNotice         = "notice"          // the organizers' own words about the registration (package notice)
)

// Kinds of messages about accounts: each goes with an account link (column account_link_id)
// instead of a registration.
const (
	KindInvitation    = "invitation"     // set your name and password to use your new account
	KindPasswordReset = "password_reset" // set a new password
)

// IsAccountKind tells whether messages of kind are about an account link.
func IsAccountKind(kind string) bool {
	return kind == KindInvitation || kind == KindPasswordReset
}

// Query is a SELECT of another package, over its own tables, that an outbox statement embeds.
// Each function says which columns it wants, by name. Its parameters are $1 … $n, in Args; the
// outbox numbers its own after them.
type Query struct {
	SQL  string
	Args []any
}

// embed puts q where the format's %[1]s is and gives the outbox's own parameters the numbers
// %[2]d, %[3]d … after q's, returning the statement and all its arguments.
func (q Query) embed(format string, own ...any) (string, []any) {
	refs := []any{q.SQL}
	for i := range own {
		refs = append(refs, len(q.Args)+i+1)
	}
	return fmt.Sprintf(format, refs...), append(append([]any{}, q.Args...), own...)
}

// Enqueue queues one message about a registration, due at once, in the caller's transaction.
// A message of the same kind for the same registration is queued only once, however often this
// is called.
func Enqueue(ctx context.Context, q sqlx.ExtContext, kind string, registrationID int64) error {
	query := enqueueSQL(kind, "", `(SELECT $1::bigint AS registration_id)`)
	if _, err := q.ExecContext(ctx, query, registrationID); err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", kind, err)
	}
	return nil
}

// EnqueueEach queues a message of kind, due at once, for each registration that recipients
// yields (column registration_id). The occasion ("" or such as ":3", a revision) tells one
// message of this kind from another for the same person; each is queued once.
func EnqueueEach(ctx context.Context, q sqlx.ExtContext, kind, occasion string, recipients Query) error {
	query := enqueueSQL(kind, occasion, "("+recipients.SQL+")")
	if _, err := q.ExecContext(ctx, query, recipients.Args...); err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", kind, err)
	}
	return nil
}

// Replace queues a message of kind, due at once, for each registration that recipients yields
// (column registration_id), once per occasion as EnqueueEach does, in place of any message of
// that kind still queued for them (see Withdraw). Each carries payload, what it has to say that
// the current state will not tell; a message it replaces passes its own payload on instead, since
// that message never went out: so an update after two moves tells what changed since the
// attendee last heard. One statement, so a worker never sees the old message gone and the new
// one not yet there.
func Replace(ctx context.Context, q sqlx.ExtContext, kind, occasion string, recipients Query, payload []byte) error {
	query, args := recipients.embed(`WITH r AS (%[1]s), withdrawn AS (
			DELETE FROM outbox WHERE id IN (
				SELECT o.id FROM outbox o
				WHERE o.kind = $%[2]d AND o.status = 'queued' AND NOT `+leased+`
					AND o.registration_id IN (SELECT registration_id FROM r)
				FOR UPDATE OF o SKIP LOCKED)
			RETURNING registration_id, payload
		)
		INSERT INTO outbox (dedupe_key, kind, registration_id, payload)
		SELECT 'registration:' || r.registration_id || ':' || $%[3]d, $%[2]d, r.registration_id, COALESCE(w.payload, $%[4]d::jsonb)
		FROM r LEFT JOIN withdrawn w ON w.registration_id = r.registration_id
		ON CONFLICT (dedupe_key) DO NOTHING`, kind, kind+occasion, jsonText(payload))
	if _, err := q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("outbox: replace %s: %w", kind, err)
	}
	return nil
}

// jsonText passes JSON to PostgreSQL as text, which it parses; lib/pq would send bytes as bytea.
func jsonText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// Schedule queues messages of kind that are due later: one for each row that due yields
// (columns registration_id, occasion, due_at), queued once per registration and occasion. It
// returns how many it queued that were not queued before.
func Schedule(ctx context.Context, q sqlx.ExtContext, kind string, due Query) (int64, error) {
	res, err := q.ExecContext(ctx, scheduleSQL(kind, "("+due.SQL+")"), due.Args...)
	if err != nil {
		return 0, fmt.Errorf("outbox: schedule %s: %w", kind, err)
	}
	return res.RowsAffected()
}

// EnqueueFrom and ScheduleFrom are the statements of Enqueue and Schedule for a change that is
// a single statement (a registration): the caller puts them in its WITH, naming its own new
// rows as recipients (column registration_id) or due (registration_id, occasion, due_at), so
// that the change and its messages take one round trip.
func EnqueueFrom(kind, recipients string) string { return enqueueSQL(kind, "", recipients) }

// ScheduleFrom: see EnqueueFrom.
func ScheduleFrom(kind, due string) string { return scheduleSQL(kind, due) }

// enqueueSQL queues kind for each row of recipients, a relation or a parenthesised SELECT. The
// kinds and occasions are Podium's own words and numbers, never a person's input, so they are
// quoted into the statement, which leaves every parameter number to the caller.
func enqueueSQL(kind, occasion, recipients string) string {
	return `INSERT INTO outbox (dedupe_key, kind, registration_id)
		SELECT 'registration:' || r.registration_id || ':' || ` + pq.QuoteLiteral(kind+occasion) + `, ` + pq.QuoteLiteral(kind) + `, r.registration_id
		FROM ` + recipients + ` AS r
		ON CONFLICT (dedupe_key) DO NOTHING`
}

// EnqueueLinkFrom is the statement that queues a message of kind for each account link that
// links yields (column id), for the caller's WITH: the link and its mail take one round trip.
// A link is mailed once; a new link (a new id) is a new message.
func EnqueueLinkFrom(kind, links string) string {
	return `INSERT INTO outbox (dedupe_key, kind, account_link_id)
		SELECT 'account_link:' || l.id, ` + pq.QuoteLiteral(kind) + `, l.id
		FROM ` + links + ` AS l
		ON CONFLICT (dedupe_key) DO NOTHING`
}

func scheduleSQL(kind, due string) string {
	return `INSERT INTO outbox (dedupe_key, kind, registration_id, due_at)
		SELECT ` + pq.QuoteLiteral(kind) + ` || ':' || d.registration_id || d.occasion, ` + pq.QuoteLiteral(kind) + `, d.registration_id, d.due_at
		FROM ` + due + ` AS d
		ON CONFLICT (dedupe_key) DO NOTHING`
}

// EnqueueNotice queues the mail of a notice, due at once, for each registration that recipients
// yields (column registration_id), once per person and notice, and returns how many it queued.
// The row names the notice, whose words the worker looks up when it sends.
func EnqueueNotice(ctx context.Context, q sqlx.ExtContext, noticeID int64, recipients Query) (int64, error) {
	query, args := recipients.embed(`INSERT INTO outbox (dedupe_key, kind, registration_id, notice_id)
		SELECT 'registration:' || r.registration_id || ':notice:' || $%[2]d::bigint, 'notice', r.registration_id, $%[2]d
		FROM (%[1]s) AS r
		ON CONFLICT (dedupe_key) DO NOTHING`, noticeID)
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("outbox: enqueue notice: %w", err)
	}
	return res.RowsAffected()
}

// Withdraw removes the queued messages of kind to the registrations that recipients yields
// (column registration_id), because they no longer apply. A message a worker holds right now is
// on its way and left to finish.
func Withdraw(ctx context.Context, q sqlx.ExtContext, kind string, recipients Query) error {
	query, args := recipients.embed(`DELETE FROM outbox WHERE id IN (
			SELECT o.id FROM outbox o
			WHERE o.kind = $%[2]d AND o.status = 'queued' AND NOT `+leased+`
				AND o.registration_id IN (SELECT r.registration_id FROM (%[1]s) AS r)
			FOR UPDATE OF o SKIP LOCKED)`, kind)
	if _, err := q.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("outbox: withdraw %s: %w", kind, err)
	}
	return nil
}

// WithdrawOne removes the queued messages of kind to one registration, as Withdraw does.
func WithdrawOne(ctx context.Context, q sqlx.ExtContext, kind string, registrationID int64) error {
	query := `DELETE FROM outbox WHERE id IN (
			SELECT o.id FROM outbox o
			WHERE o.registration_id = $1 AND o.kind = $2 AND o.status = 'queued' AND NOT ` + leased + `
			FOR UPDATE OF o SKIP LOCKED)`
	if _, err := q.ExecContext(ctx, query, registrationID, kind); err != nil {
		return fmt.Errorf("outbox: withdraw %s: %w", kind, err)
	}
	return nil
}

// Forget deletes what the outbox knows of erased people, in the erasure's transaction: messages
// still queued for them, which nobody should receive any more, even one a worker holds (its
// worker then records nothing), and the errors of their other messages, in which mail servers
// quote the recipient. Kind, status and times stay, so the counts do.
func Forget(ctx context.Context, q sqlx.ExtContext, registrationIDs []int64) error {
	if len(registrationIDs) == 0 {
		return nil
	}
	query := `WITH theirs AS (
			SELECT id, status FROM outbox WHERE registration_id = ANY($1) ORDER BY id FOR UPDATE
		), unsent AS (
			DELETE FROM outbox o USING theirs t WHERE o.id = t.id AND t.status = 'queued'
		)
		UPDATE outbox o SET last_error = NULL
		FROM theirs t WHERE o.id = t.id AND t.status <> 'queued' AND o.last_error IS NOT NULL`
	if _, err := q.ExecContext(ctx, query, pq.Array(registrationIDs)); err != nil {
		return fmt.Errorf("outbox: forget: %w", err)
	}
	return nil
}

// leased is true for a row that a worker holds now: its lease has not run out.
const leased = `(o.leased_until IS NOT NULL AND o.leased_until > now())`
