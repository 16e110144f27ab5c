package qa

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Notify channel on which every change of a question is announced.
const notifyChannel = "podium_questions"

// maxCatchUp bounds the changes one batch covers. A page further behind than this (a laptop
// that slept through half the session) is told to load the list again instead.
const maxCatchUp = 5000

// Batch is what changed in an event's questions after one change number, up to Through: each
// changed question once, as it is now, in the order of its newest change. Reset means there was
// too much to send one by one; the page loads the list again.
type Batch struct {
	EventID int64
	Through int64
	Reset   bool
	Items   []Item
	// Polls are the polls changed in the batch, and PollEvents their events as PollSource
	// prepared them.
	Polls      []PollChange
	PollEvents PollEvents
}

// PollChange is a poll changed in a batch. Updated means its settings changed (it was created,
// opened, closed, shown...), not only its answers.
type PollChange struct {
	ID      int64 `db:"id"`
	Updated bool  `db:"updated"`
}

// PollEvents are the Server-Sent Events of a batch's polls, each poll once as it is now:
// everything for moderators, what the audience may see for everyone else.
type PollEvents struct {
	Moderator []byte
	Audience  []byte
}

// PollSource prepares the events of changed polls. Package poll provides it; the live
// mechanism only numbers poll changes and carries their bytes.
type PollSource interface {
	PollEvents(ctx context.Context, q sqlx.QueryerContext, eventID int64, changed []PollChange) (PollEvents, error)
}

// Item is one changed question of a batch. Created tells that the batch includes its creation.
type Item struct {
	Created  bool
	Question Question
}

// publish records changes of questions under the event's next change numbers and announces the
// newest with NOTIFY, which PostgreSQL delivers when the transaction commits, and never if it
// rolls back. It is the last statement of a change: the counter's row lock, which orders the
// numbers, is then held only for the commit.
func publish(ctx context.Context, tx *sqlx.Tx, eventID int64, kind string, questionIDs ...int64) error {
	return publishTo(ctx, tx, "question_id", eventID, kind, questionIDs)
}

// PublishPolls is publish for changes of polls, numbered with the event's question changes so
// that one stream carries both and Last-Event-ID resumes both. kind is "created", "updated" or
// "answered".
func PublishPolls(ctx context.Context, tx *sqlx.Tx, eventID int64, kind string, pollIDs ...int64) error {
	return publishTo(ctx, tx, "poll_id", eventID, kind, pollIDs)
}

func publishTo(ctx context.Context, tx *sqlx.Tx, column string, eventID int64, kind string, ids []int64) error {
	query := `WITH ` + publishingTo(column, "$1::bigint", `(SELECT id, n FROM unnest($2::bigint[]) WITH ORDINALITY AS u (id, n))`, kind) + `
		SELECT count(*) FROM notified`
	if _, err := tx.ExecContext(ctx, query, eventID, pq.Array(ids)); err != nil {
		return fmt.Errorf("qa: publish: %w", err)
	}
	return nil
}

// PollPublishing is publishing for a change of polls that is a single statement (an answer).
func PollPublishing(eventID, changed, kind string) string {
	return publishingTo("poll_id", eventID, changed, kind)
}

// publishing is publish for a change that is a single statement (a vote): entries of its WITH
// that number the questions of changed (a relation with columns id and n, numbering them 1, 2,
// …) after the event's last change, eventID being an SQL expression. They run once the
// statement reads notified; PostgreSQL skips a WITH entry that only reads and that nothing
// reads. The kind and the channel are Podium's own words, quoted in.
func publishing(eventID, changed, kind string) string {
	return publishingTo("question_id", eventID, changed, kind)
}

// publishingTo is publishing for the changes of questions (column question_id) or polls (poll_id).
func publishingTo(column, eventID, changed, kind string) string {
	return `published_next AS (
			INSERT INTO question_sequences AS s (event_id, last_change)
			SELECT ` + eventID + `, count(*) FROM ` + changed + ` AS c HAVING count(*) > 0
			ON CONFLICT (event_id) DO UPDATE SET last_change = s.last_change + excluded.last_change
			RETURNING last_change
		), published AS (
			INSERT INTO question_changes (event_id, seq, ` + column + `, kind)
			SELECT ` + eventID + `, next.last_change - total.n + c.n, c.id, ` + pq.QuoteLiteral(kind) + `
			FROM published_next AS next, (SELECT count(*) AS n FROM ` + changed + ` AS c) AS total, ` + changed + ` AS c
			RETURNING seq
		), notified AS (
			SELECT pg_notify(` + pq.QuoteLiteral(notifyChannel) + `, ` + eventID + `::text || ' ' || max(seq)::text)
			FROM published HAVING count(*) > 0
		)`
}

// LastChange returns the event's newest change number. A page rendered after reading it shows
// at least that state, so its stream starts there.
func LastChange(ctx context.Context, q sqlx.QueryerContext, eventID int64) (int64, error) {
	var last []int64
	if err := sqlx.SelectContext(ctx, q, &last, `SELECT last_change FROM question_sequences WHERE event_id = $1`, eventID); err != nil {
		return 0, fmt.Errorf("qa: last change: %w", err)
	}
	if len(last) == 0 {
		return 0, nil
	}
	return last[0], nil
}

// Changes returns what changed after the change number since, with the events of changed polls
// prepared by polls (nil leaves them out). A since the database has not reached (another
// database, or a made-up header) is treated like one too far behind.
func Changes(ctx context.Context, q sqlx.QueryerContext, eventID, since int64, polls PollSource) (Batch, error) {
	last, err := LastChange(ctx, q, eventID)
	if err != nil {
		return Batch{}, err
	}
	b := Batch{EventID: eventID, Through: last}
	switch {
	case since == last:
		return b, nil
	case since > last || last-since > maxCatchUp:
		b.Reset = true
		return b, nil
	}
	var rows []struct {
		Created bool `db:"created"`
		Question
	}
	query := `SELECT bool_or(c.kind = 'created') AS created, ` + columns + `, false AS own, false AS voted
		FROM question_changes c JOIN questions q ON q.id = c.question_id
		WHERE c.event_id = $1 AND c.seq > $2 AND c.seq <= $3
		GROUP BY q.id
		ORDER BY max(c.seq)`
	if err := sqlx.SelectContext(ctx, q, &rows, query, eventID, since, last); err != nil {
		return Batch{}, fmt.Errorf("qa: changes: %w", err)
	}
	b.Items = make([]Item, len(rows))
	for i, r := range rows {
		b.Items[i] = Item{Created: r.Created, Question: r.Question}
	}
	if polls == nil {
		return b, nil
	}
	query = `SELECT poll_id AS id, bool_or(kind <> 'answered') AS updated
		FROM question_changes
		WHERE event_id = $1 AND seq > $2 AND seq <= $3 AND poll_id IS NOT NULL
		GROUP BY poll_id
		ORDER BY max(seq)`
	if err := sqlx.SelectContext(ctx, q, &b.Polls, query, eventID, since, last); err != nil {
		return Batch{}, fmt.Errorf("qa: poll changes: %w", err)
	}
	if len(b.Polls) > 0 {
		if b.PollEvents, err = polls.PollEvents(ctx, q, eventID, b.Polls); err != nil {
			return Batch{}, err
		}
	}
	return b, nil
}
