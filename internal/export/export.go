// Package export writes an event's attendee list as CSV or XLSX, row by row from the database,
// so that 100,000 attendees never sit in memory at once.
package export

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// Options choose what an export holds and how it reads.
type Options struct {
	Statuses []string // registration statuses to include; default confirmed
	// Lang "de" writes a list for people: German column labels, statuses and yes/no in German,
	// CSV times as German Excel reads them. Else the stable keys and values that scripts read.
	Lang      string
	Delimiter rune // CSV only: ',' (default) or ';' for German Excel
}

// german tells whether the list is written for German readers.
func (o Options) german() bool { return o.Lang == "de" }

// germanWords are the values of a German list as people write them: statuses, yes and no, the
// kinds and states of polls. A value without a word stays as it is.
var germanWords = map[string]string{
	"pending": "unbestätigt", "confirmed": "bestätigt", "waitlisted": "Warteliste", "cancelled": "storniert",
	"true": "ja", "false": "nein",
	"single": "Einfachauswahl", "multiple": "Mehrfachauswahl", "rating": "Bewertung", "text": "Freitext",
	"draft": "Entwurf", "open": "geöffnet", "closed": "geschlossen",
}

// word writes a value of the API (a status, a kind) in the list's language.
func (o Options) word(value string) string {
	if w, ok := germanWords[value]; ok && o.german() {
		return w
	}
	return value
}

// yesNo writes a boolean in the list's language: ja/nein, or true/false.
func (o Options) yesNo(b bool) string { return o.word(strconv.FormatBool(b)) }

// statuses an export may ask for.
var statuses = []string{"pending", "confirmed", "waitlisted", "cancelled"}

// ParseStatus reads ?status= : one status, a comma-separated list, or "all".
func ParseStatus(s string) ([]string, error) {
	if s == "" {
		return []string{"confirmed"}, nil
	}
	if s == "all" {
		return statuses, nil
	}
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		ok := false
		for _, known := range statuses {
			ok = ok || part == known
		}
		if !ok {
			v := &domain.ValidationError{}
			v.Problem("status", "one_of", domain.Params{"Values": "pending, confirmed, waitlisted, cancelled, all"}, "must be pending, confirmed, waitlisted, cancelled, a comma-separated list of them, or all")
			return nil, v
		}
		out = append(out, part)
	}
	return out, nil
}

// columns are the fixed columns, by stable key, with their German labels.
var columns = []struct{ key, de string }{
	{"id", "ID"}, {"name", "Name"}, {"email", "E-Mail"}, {"organization", "Organisation"},
	{"municipality", "Kommune"}, {"role", "Funktion"}, {"status", "Status"},
	{"registered_at", "Angemeldet am"}, {"confirmed_at", "Bestätigt am"}, {"attended", "Teilgenommen"},
}

// trailing are the columns after the custom questions: added later than those, they come last,
// so that every column a script or a spreadsheet already reads by position keeps its place.
var trailing = []struct{ key, de string }{
	{"first_joined_at", "Erster Zugang"}, {"joins", "Zugänge"},
}

// header returns the column labels: the fixed columns, one per custom question, whose label is
// defused like any cell, since it is typed text too, then the trailing columns.
func header(e *event.Event, lang string) []string {
	out := make([]string, 0, len(columns)+len(e.Questions)+len(trailing))
	label := func(key, de string) string {
		if lang == "de" {
			return de
		}
		return key
	}
	for _, c := range columns {
		out = append(out, label(c.key, c.de))
	}
	for _, q := range e.Questions {
		out = append(out, safe(q.Label))
	}
	for _, c := range trailing {
		out = append(out, label(c.key, c.de))
	}
	return out
}

// row is one attendee as the database gives it.
type row struct {
	ID           int64           `db:"id"`
	Name         string          `db:"name"`
	Email        string          `db:"email"`
	Organization string          `db:"organization"`
	Municipality string          `db:"municipality"`
	Role         string          `db:"role"`
	Status       string          `db:"status"`
	CreatedAt    time.Time       `db:"created_at"`
	ConfirmedAt  *time.Time      `db:"confirmed_at"`
	Attended     bool            `db:"attended"`
	Answers      json.RawMessage `db:"answers"`
	// FirstJoinedAt and Joins tell when the person first followed their join link, and how often.
	FirstJoinedAt *time.Time `db:"-"`
	Joins         int        `db:"-"`
}

// batchSize is how many attendees one statement reads. Between statements the export writes to
// its reader at the reader's pace, so no statement stays open while a slow client downloads,
// and none runs into the statement timeout however long the download takes.
const batchSize = 1000

// batchQuery reads the next batch of an event's attendees ($1) of the statuses $2 after the id
// $3, at most $4, by key along registrations_listing_idx (migration 0017).
const batchQuery = `SELECT id, name, email, organization, municipality, role, status, created_at, confirmed_at,
		attended, answers
	FROM registrations
	WHERE event_id = $1 AND status = ANY($2) AND erased_at IS NULL AND id > $3
	ORDER BY id
	LIMIT $4`

// each calls fn for every attendee in id order, reading batch after batch by key.
func each(ctx context.Context, q sqlx.QueryerContext, e *event.Event, opt Options, fn func(*row) error) error {
	query := batchQuery
	batch := make([]row, 0, batchSize)
	var after int64
	for {
		batch = batch[:0]
		if err := sqlx.SelectContext(ctx, q, &batch, query, e.ID, pq.Array(opt.Statuses), after, batchSize); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := addJoins(ctx, q, batch); err != nil {
			return err
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < batchSize {
			return nil
		}
		after = batch[len(batch)-1].ID
	}
}

// addJoins fills in when each attendee of a batch first followed their join link and how often.
// registration owns the joins; asking it once per batch is one short statement per thousand
// rows, and the batch's own statement stays as fast as before.
func addJoins(ctx context.Context, q sqlx.QueryerContext, batch []row) error {
	if len(batch) == 0 {
		return nil
	}
	ids := make([]int64, len(batch))
	for i := range batch {
		ids[i] = batch[i].ID
	}
	joins, err := registration.JoinsOf(ctx, q, ids)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for i := range batch {
		j := joins[batch[i].ID]
		batch[i].FirstJoinedAt, batch[i].Joins = j.First, j.Count
	}
	return nil
}

// incomplete is the last line of a CSV file whose export failed midway, so that a saved file
// says it is not the whole list.
func incomplete(lang string) string {
	if lang == "de" {
		return "ABGEBROCHEN: Der Export wurde unterbrochen, diese Datei ist unvollständig."
	}
	return "ABORTED: the export was interrupted, this file is incomplete."
}

// answers returns the custom answers in question order: strings, or booleans for checkboxes.
func answers(e *event.Event, raw json.RawMessage) []any {
	var m map[string]any
	_ = json.Unmarshal(raw, &m) // stored by the service as an object; anything else counts as none
	out := make([]any, len(e.Questions))
	for i, q := range e.Questions {
		switch v := m[q.Key].(type) {
		case string:
			out[i] = v
		case bool:
			out[i] = v
		default:
			out[i] = ""
		}
	}
	return out
}

// safe keeps a text cell from being read as a formula by Excel or LibreOffice: a value that
// starts with = + - @, a tab or a carriage return gets a leading apostrophe.
func safe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
