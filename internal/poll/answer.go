package poll

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/qa"
)

// MaxAnswerLen bounds a free-text answer: a word or a few, for a word list.
const MaxAnswerLen = 60

// Voter is one participant towards the polls of an event. An answer is stored under an HMAC of
// the participant id and the poll id keyed with the server's secret: enough to keep one answer
// per person and let them change it, while the database alone links it to nothing else: not to
// the person's questions and votes (which carry the participant id), not to their answers to
// other polls, not to a registration.
type Voter struct {
	key         []byte
	participant string
}

// NewVoter returns the voter of a participant id (the podium_participant cookie's).
func NewVoter(secret []byte, participant string) Voter {
	return Voter{key: append([]byte("podium poll voter\x00"), secret...), participant: participant}
}

// Key is what the voter's answers to one poll are stored under.
func (v Voter) Key(pollID int64) []byte {
	m := hmac.New(sha256.New, v.key)
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(pollID))
	m.Write(id[:])
	m.Write([]byte(v.participant))
	return m.Sum(nil)
}

// Answer is one participant's answer, with the field of its poll's kind set: Option (the
// index of one option) for single choice, Options (indexes) for multiple choice, Rating (1 to
// the scale) for a rating, Text for free text.
type Answer struct {
	Option  *int    `json:"option,omitempty"`
	Options []int   `json:"options,omitempty"`
	Rating  *int    `json:"rating,omitempty"`
	Text    *string `json:"text,omitempty"`
}

// Normalize is how free-text answers are counted together: case and spacing do not matter.
func Normalize(text string) string {
	return strings.ToLower(strings.Join(strings.Fields(text), " "))
}

// fieldOf names the answer field of a kind of poll.
var fieldOf = map[string]string{KindSingle: "option", KindMultiple: "options", KindRating: "rating", KindText: "text"}

// check validates an answer against the poll and returns it as stored: the chosen indexes (a
// rating r as r-1), or the text with its spacing tidied.
func (a Answer) check(p *Poll) (choices []int64, text string, err error) {
	v := &domain.ValidationError{}
	want := fieldOf[p.Kind]
	for field, set := range map[string]bool{"option": a.Option != nil, "options": a.Options != nil, "rating": a.Rating != nil, "text": a.Text != nil} {
		switch {
		case field == want && !set:
			v.Problem(field, "required", nil, "is required")
		case field != want && set:
			v.Problem(field, "not_for_kind", nil, "does not answer a poll of kind "+p.Kind+"; send "+want)
		}
	}
	if err := v.OrNil(); err != nil {
		return nil, "", err
	}
	n := len(p.Choices())
	choices = []int64{}
	switch p.Kind {
	case KindSingle:
		if *a.Option < 0 || *a.Option >= n {
			v.Problem("option", "out_of_range", domain.Params{"Min": 0, "Max": n - 1}, fmt.Sprintf("must be the index of one option, 0 to %d", n-1))
		}
		choices = append(choices, int64(*a.Option))
	case KindRating:
		if *a.Rating < 1 || *a.Rating > n {
			v.Problem("rating", "out_of_range", domain.Params{"Min": 1, "Max": n}, fmt.Sprintf("must be a whole number from 1 to %d", n))
		}
		choices = append(choices, int64(*a.Rating-1))
	case KindMultiple:
		seen := map[int]bool{}
		if len(a.Options) == 0 {
			v.Problem("options", "too_few", domain.Params{"Min": 1}, "must list at least one option")
		}
		for _, c := range a.Options {
			if c < 0 || c >= n || seen[c] {
				v.Problem("options", "out_of_range", domain.Params{"Min": 0, "Max": n - 1}, fmt.Sprintf("must list distinct option indexes from 0 to %d", n-1))
				break
			}
			seen[c] = true
			choices = append(choices, int64(c))
		}
	case KindText:
		text = strings.Join(strings.Fields(*a.Text), " ")
		switch {
		case !v.CheckLine("text", text):
		case text == "":
			v.Problem("text", "required", nil, "is required")
		case utf8.RuneCountInString(text) > MaxAnswerLen:
			v.Problem("text", "too_long", domain.Params{"Max": MaxAnswerLen}, fmt.Sprintf("must be at most %d characters", MaxAnswerLen))
		}
	}
	return choices, text, v.OrNil()
}

// Submit records a participant's answer to an open poll, or replaces their earlier one. The
// database keeps one answer per voter and poll (its primary key), whatever happens at once.
func Submit(ctx context.Context, pool *sqlx.DB, eventID, pollID int64, voter Voter, a Answer) error {
	p, err := Get(ctx, pool, eventID, pollID, false)
	if err != nil {
		return err
	}
	if p.State != StateOpen {
		return &domain.ConflictError{Code: "poll_closed", Message: "the poll is not open"}
	}
	choices, text, err := a.check(p)
	if err != nil {
		return err
	}
	// One statement: the poll's row is share-locked, so a close waits for answers in flight and
	// no answer lands after it; then the answer, then the change's number, as a vote does.
	query := `WITH target AS (
			SELECT id FROM polls WHERE id = $1 AND event_id = $2 AND state = 'open' FOR SHARE
		), changed AS (
			INSERT INTO poll_answers (poll_id, voter, choices, text, text_key)
			SELECT id, $3, $4, $5, $6 FROM target
			ON CONFLICT (poll_id, voter) DO UPDATE
				SET choices = excluded.choices, text = excluded.text, text_key = excluded.text_key
				WHERE (poll_answers.choices, poll_answers.text) IS DISTINCT FROM (excluded.choices, excluded.text)
			RETURNING poll_id AS id, 1 AS n
		), ` + qa.PollPublishing("$2::bigint", "changed", "answered") + `
		SELECT (SELECT count(*) FROM target) AS open, (SELECT count(*) FROM notified) AS notified`
	var row struct {
		Open     int `db:"open"`
		Notified int `db:"notified"`
	}
	err = db.Retry(func() error {
		return db.Get(ctx, pool, &row, query, pollID, eventID, voter.Key(pollID), pq.Array(choices), text, Normalize(text))
	})
	if err != nil {
		return fmt.Errorf("poll: answer: %w", err)
	}
	if row.Open == 0 {
		return &domain.ConflictError{Code: "poll_closed", Message: "the poll is not open"}
	}
	return nil
}

// Seed records answers from nobody to an open single choice poll, counts[i] for option i, in
// one statement with one change: for demonstrations. Their voters are random, so nobody can
// change them.
func Seed(ctx context.Context, pool *sqlx.DB, eventID, pollID int64, counts []int) error {
	return db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
		var n int
		query := `WITH target AS (
				SELECT id, options FROM polls WHERE id = $1 AND event_id = $2 AND state = 'open' AND kind = 'single' FOR SHARE
			), inserted AS (
				INSERT INTO poll_answers (poll_id, voter, choices)
				SELECT t.id, sha256(convert_to(gen_random_uuid()::text, 'UTF8')), ARRAY[c.o - 1]::smallint[]
				FROM target t, unnest($3::int[]) WITH ORDINALITY AS c (n, o), generate_series(1, c.n)
				WHERE c.o <= cardinality(t.options)
				RETURNING 1
			)
			SELECT count(*) FROM inserted`
		if err := tx.GetContext(ctx, &n, query, pollID, eventID, pq.Array(counts)); err != nil {
			return fmt.Errorf("poll: seed: %w", err)
		}
		if n == 0 {
			return &domain.ConflictError{Code: "poll_closed", Message: "only an open single choice poll can be seeded"}
		}
		return qa.PublishPolls(ctx, tx, eventID, "answered", pollID)
	})
}

// Answers returns the voter's answers to the given polls, by poll id.
func Answers(ctx context.Context, q sqlx.QueryerContext, polls []Poll, voter Voter) (map[int64]Answer, error) {
	out := map[int64]Answer{}
	if len(polls) == 0 {
		return out, nil
	}
	ids := make([]int64, len(polls))
	keys := make([][]byte, len(polls))
	for i, p := range polls {
		ids[i], keys[i] = p.ID, voter.Key(p.ID)
	}
	var rows []struct {
		PollID  int64         `db:"poll_id"`
		Choices pq.Int64Array `db:"choices"`
		Text    string        `db:"text"`
	}
	query := `SELECT a.poll_id, a.choices, a.text
		FROM unnest($1::bigint[], $2::bytea[]) AS mine (poll_id, voter)
		JOIN poll_answers a ON a.poll_id = mine.poll_id AND a.voter = mine.voter`
	if err := sqlx.SelectContext(ctx, q, &rows, query, pq.Array(ids), pq.ByteaArray(keys)); err != nil {
		return nil, fmt.Errorf("poll: own answers: %w", err)
	}
	kinds := map[int64]string{}
	for _, p := range polls {
		kinds[p.ID] = p.Kind
	}
	for _, r := range rows {
		var a Answer
		switch kinds[r.PollID] {
		case KindSingle:
			a.Option = ptr(int(r.Choices[0]))
		case KindRating:
			a.Rating = ptr(int(r.Choices[0]) + 1)
		case KindMultiple:
			for _, c := range r.Choices {
				a.Options = append(a.Options, int(c))
			}
		case KindText:
			a.Text = ptr(r.Text)
		}
		out[r.PollID] = a
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

// Chose tells whether the answer includes choice i (an option's index, or a rating minus one),
// for showing it checked.
func (a Answer) Chose(i int) bool {
	switch {
	case a.Option != nil:
		return *a.Option == i
	case a.Rating != nil:
		return *a.Rating == i+1
	}
	for _, c := range a.Options {
		if c == i {
			return true
		}
	}
	return false
}
