package event

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
)

const columns = `id, slug, title, subtitle, description, starts_at, ends_at, timezone, location,
	online_url, hosts, organizer_name, organizer_email, capacity, registration_opens_at,
	registration_closes_at, status, language, double_opt_in, waitlist, moderation,
	reminder_offsets, revision, version, created_at, updated_at, cancelled_at, cancel_message`

// withQuestions is the event's registration questions as a JSON array, to read one event with
// its questions in one round trip: every request about an event starts with reading it.
const withQuestions = `, COALESCE((
		SELECT json_agg(json_build_object('key', q.key, 'label', q.label, 'kind', q.kind,
			'options', q.options, 'required', q.required) ORDER BY q.position)
		FROM event_questions q WHERE q.event_id = events.id), '[]') AS questions_json`

// row is an events row as PostgreSQL returns it; arrays need lib/pq's types to scan.
type row struct {
	Event
	HostsArray    pq.StringArray `db:"hosts"`
	OffsetsArray  pq.Int64Array  `db:"reminder_offsets"`
	QuestionsJSON []byte         `db:"questions_json"` // with withQuestions only
}

func (r *row) event() *Event {
	e := r.Event
	e.Hosts = []string(r.HostsArray)
	if e.Hosts == nil {
		e.Hosts = []string{}
	}
	e.ReminderOffsets = make(Offsets, len(r.OffsetsArray))
	for i, s := range r.OffsetsArray {
		e.ReminderOffsets[i] = time.Duration(s) * time.Second
	}
	e.Questions = []Question{}
	return &e
}

func offsetSeconds(offsets []time.Duration) pq.Int64Array {
	secs := make(pq.Int64Array, len(offsets))
	for i, d := range offsets {
		secs[i] = int64(d / time.Second)
	}
	return secs
}

// BySlug returns the event with that slug and its questions, whatever its status.
func BySlug(ctx context.Context, q sqlx.QueryerContext, slug string) (*Event, error) {
	// A slug PostgreSQL cannot read (NUL, invalid UTF-8) names no event.
	if !domain.Storable(slug) {
		return nil, domain.ErrNotFound
	}
	return one(ctx, q, `SELECT `+columns+withQuestions+` FROM events WHERE slug = $1`, slug)
}

// ByID returns the event with that id and its questions.
func ByID(ctx context.Context, q sqlx.QueryerContext, id int64) (*Event, error) {
	return one(ctx, q, `SELECT `+columns+withQuestions+` FROM events WHERE id = $1`, id)
}

// ForUpdate returns the event with that id as it is now, locked until the caller's transaction
// ends, so that a change is worked out from the current row and not from a copy read earlier.
func ForUpdate(ctx context.Context, tx *sqlx.Tx, id int64) (*Event, error) {
	return one(ctx, tx, `SELECT `+columns+withQuestions+` FROM events WHERE id = $1 FOR UPDATE`, id)
}

func one(ctx context.Context, q sqlx.QueryerContext, query string, arg any) (*Event, error) {
	var r row
	if err := db.Get(ctx, q, &r, query, arg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, domain.ErrNotFound
		}
		return nil, fmt.Errorf("event: unable to fetch event: %w", err)
	}
	e := r.event()
	if err := json.Unmarshal(r.QuestionsJSON, &e.Questions); err != nil {
		return nil, fmt.Errorf("event: unable to read questions: %w", err)
	}
	for i := range e.Questions {
		if e.Questions[i].Options == nil {
			e.Questions[i].Options = []string{}
		}
	}
	return e, nil
}

// ByIDs returns the events with these ids in the order given, without their questions; an id
// of no event is left out.
func ByIDs(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]*Event, error) {
	var rows []row
	query := `SELECT ` + columns + ` FROM events WHERE id = ANY($1)`
	if err := sqlx.SelectContext(ctx, q, &rows, query, pq.Int64Array(ids)); err != nil {
		return nil, fmt.Errorf("event: unable to fetch events: %w", err)
	}
	byID := make(map[int64]*Event, len(rows))
	for i := range rows {
		byID[rows[i].ID] = rows[i].event()
	}
	out := make([]*Event, 0, len(rows))
	for _, id := range ids {
		if e, ok := byID[id]; ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// ListOptions selects and pages the public list of events.
type ListOptions struct {
	Now    time.Time
	Past   bool // include events that have ended
	Limit  int
	Offset int
}

// ListPublished returns published events: upcoming ones first, soonest first, then (with Past)
// ended ones, most recent first.
func ListPublished(ctx context.Context, q sqlx.QueryerContext, opt ListOptions) ([]*Event, error) {
	query := `SELECT ` + columns + ` FROM events
		WHERE status = 'published' AND ($2 OR ends_at > $1)
		ORDER BY ends_at <= $1,
			CASE WHEN ends_at > $1 THEN starts_at END ASC,
			starts_at DESC, id
		LIMIT $3 OFFSET $4`
	var rows []row
	if err := sqlx.SelectContext(ctx, q, &rows, query, opt.Now, opt.Past, opt.Limit, opt.Offset); err != nil {
		return nil, fmt.Errorf("event: unable to list events: %w", err)
	}
	events := make([]*Event, len(rows))
	for i := range rows {
		events[i] = rows[i].event()
	}
	if err := attachQuestions(ctx, q, events); err != nil {
		return nil, err
	}
	return events, nil
}

func attachQuestions(ctx context.Context, q sqlx.QueryerContext, events []*Event) error {
	if len(events) == 0 {
		return nil
	}
	ids := make(pq.Int64Array, len(events))
	byID := make(map[int64]*Event, len(events))
	for i, e := range events {
		ids[i] = e.ID
		byID[e.ID] = e
	}
	query := `SELECT event_id, key, label, kind, options, required FROM event_questions
		WHERE event_id = ANY($1) ORDER BY event_id, position`
	var rows []struct {
		EventID  int64          `db:"event_id"`
		Key      string         `db:"key"`
		Label    string         `db:"label"`
		Kind     string         `db:"kind"`
		Options  pq.StringArray `db:"options"`
		Required bool           `db:"required"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, query, ids); err != nil {
		return fmt.Errorf("event: unable to fetch questions: %w", err)
	}
	for _, r := range rows {
		e := byID[r.EventID]
		options := []string(r.Options)
		if options == nil {
			options = []string{}
		}
		e.Questions = append(e.Questions, Question{Key: r.Key, Label: r.Label, Kind: r.Kind, Options: options, Required: r.Required})
	}
	return nil
}

func insert(ctx context.Context, q sqlx.ExtContext, v *valid, createdBy *int64) (*Event, error) {
	query := `INSERT INTO events (slug, title, subtitle, description, starts_at, ends_at, timezone,
			location, online_url, hosts, organizer_name, organizer_email, capacity,
			registration_opens_at, registration_closes_at, status, language, double_opt_in,
			waitlist, moderation, reminder_offsets, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
			$19, $20, $21, $22)
		RETURNING ` + columns
	var r row
	err := sqlx.GetContext(ctx, q, &r, query, v.Slug, v.Title, v.Subtitle, v.Description,
		v.StartsAt, v.EndsAt, v.Timezone, v.Location, v.OnlineURL, pq.StringArray(v.Hosts),
		v.OrganizerName, v.OrganizerEmail, v.Capacity, v.RegistrationOpensAt, v.closesAt,
		v.Status, v.Language, v.DoubleOptIn, v.Waitlist, v.Moderation, offsetSeconds(v.offsets), createdBy)
	if err != nil {
		return nil, fmt.Errorf("event: unable to create event: %w", err)
	}
	return r.event(), nil
}

// update stores v as the event's fields. The revision rises by one when newRevision is set,
// counted in SQL from the row itself, so that two changes never end on the same revision.
func update(ctx context.Context, q sqlx.ExtContext, id int64, v *valid, newRevision bool) (*Event, error) {
	query := `UPDATE events SET slug = $2, title = $3, subtitle = $4, description = $5,
			starts_at = $6, ends_at = $7, timezone = $8, location = $9, online_url = $10,
			hosts = $11, organizer_name = $12, organizer_email = $13, capacity = $14,
			registration_opens_at = $15, registration_closes_at = $16, status = $17,
			language = $18, double_opt_in = $19, waitlist = $20, moderation = $21,
			reminder_offsets = $22, revision = revision + CASE WHEN $23 THEN 1 ELSE 0 END,
			version = version + 1, updated_at = now()
		WHERE id = $1
		RETURNING ` + columns
	var r row
	err := sqlx.GetContext(ctx, q, &r, query, id, v.Slug, v.Title, v.Subtitle, v.Description,
		v.StartsAt, v.EndsAt, v.Timezone, v.Location, v.OnlineURL, pq.StringArray(v.Hosts),
		v.OrganizerName, v.OrganizerEmail, v.Capacity, v.RegistrationOpensAt, v.closesAt,
		v.Status, v.Language, v.DoubleOptIn, v.Waitlist, v.Moderation, offsetSeconds(v.offsets), newRevision)
	if err != nil {
		return nil, fmt.Errorf("event: unable to update event: %w", err)
	}
	return r.event(), nil
}

// replaceQuestions stores qs as the event's questions, in order, instead of the ones it had.
func replaceQuestions(ctx context.Context, q sqlx.ExtContext, eventID int64, qs []Question) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM event_questions WHERE event_id = $1`, eventID); err != nil {
		return fmt.Errorf("event: unable to replace questions: %w", err)
	}
	query := `INSERT INTO event_questions (event_id, position, key, label, kind, options, required)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`
	for i, qu := range qs {
		if _, err := q.ExecContext(ctx, query, eventID, i, qu.Key, qu.Label, qu.Kind, pq.StringArray(qu.Options), qu.Required); err != nil {
			return fmt.Errorf("event: unable to store question: %w", err)
		}
	}
	return nil
}

// isUniqueViolation tells whether err is PostgreSQL refusing a duplicate key.
func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23505"
}
