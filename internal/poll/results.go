package poll

import (
	"context"
	"fmt"
	"math"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// MaxWords bounds the word list of a free-text poll; the rest is counted in OtherWords.
const MaxWords = 30

// Results are a poll's answers counted. Percentages are of the participants, so the options of
// a multiple choice poll may add up to more than 100.
type Results struct {
	PollID       int64    `json:"poll_id"`
	Visible      bool     `json:"visible"` // shown to the audience
	Participants int      `json:"participants"`
	Options      []Count  `json:"options,omitempty"` // every choice in order (single, multiple, rating)
	Average      *float64 `json:"average,omitempty"` // rating polls with answers
	Words        []Count  `json:"words,omitempty"`   // text polls: most frequent first
	OtherWords   int      `json:"other_words,omitempty"`
}

// Count is one line of the results.
type Count struct {
	Label   string  `json:"label"`
	Count   int     `json:"count"`
	Percent float64 `json:"percent"`
}

// Hidden is what the audience gets of results that are not shown: how many took part.
func (r *Results) Hidden() *Results {
	return &Results{PollID: r.PollID, Participants: r.Participants}
}

// Max is the largest count, for drawing bars to scale.
func (r *Results) Max() int {
	m := 0
	for _, c := range append(append([]Count(nil), r.Options...), r.Words...) {
		m = max(m, c.Count)
	}
	return m
}

// ResultsOf counts the answers of polls, in three queries whatever their number.
func ResultsOf(ctx context.Context, q sqlx.QueryerContext, polls []Poll) (map[int64]*Results, error) {
	out := map[int64]*Results{}
	if len(polls) == 0 {
		return out, nil
	}
	ids := make([]int64, len(polls))
	texts := []int64{}
	for i, p := range polls {
		ids[i] = p.ID
		r := &Results{PollID: p.ID, Visible: p.ResultsVisible}
		for _, label := range p.Choices() {
			r.Options = append(r.Options, Count{Label: label})
		}
		out[p.ID] = r
		if p.Kind == KindText {
			texts = append(texts, p.ID)
		}
	}
	var participants []struct {
		PollID int64 `db:"poll_id"`
		N      int   `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &participants, `SELECT poll_id, count(*) AS n FROM poll_answers
		WHERE poll_id = ANY($1) GROUP BY poll_id`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("poll: results: %w", err)
	}
	for _, p := range participants {
		out[p.PollID].Participants = p.N
	}
	var choices []struct {
		PollID int64 `db:"poll_id"`
		Choice int   `db:"choice"`
		N      int   `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, q, &choices, `SELECT a.poll_id, c.choice, count(*) AS n
		FROM poll_answers a, unnest(a.choices) AS c (choice)
		WHERE a.poll_id = ANY($1) GROUP BY a.poll_id, c.choice`, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("poll: results: %w", err)
	}
	for _, c := range choices {
		if r := out[c.PollID]; c.Choice >= 0 && c.Choice < len(r.Options) {
			r.Options[c.Choice].Count = c.N
		}
	}
	if len(texts) > 0 {
		if err := words(ctx, q, texts, out); err != nil {
			return nil, err
		}
	}
	for _, p := range polls {
		r := out[p.ID]
		sum := 0
		for i := range r.Options {
			r.Options[i].Percent = percent(r.Options[i].Count, r.Participants)
			sum += (i + 1) * r.Options[i].Count
		}
		for i := range r.Words {
			r.Words[i].Percent = percent(r.Words[i].Count, r.Participants)
		}
		if p.Kind == KindRating && r.Participants > 0 {
			avg := math.Round(float64(sum)/float64(r.Participants)*10) / 10
			r.Average = &avg
		}
	}
	return out, nil
}

// words fills the word lists of text polls: answers counted together when they differ only in
// case and spacing, shown in their most frequent spelling, most frequent first.
func words(ctx context.Context, q sqlx.QueryerContext, ids []int64, out map[int64]*Results) error {
	var rows []struct {
		PollID   int64  `db:"poll_id"`
		Text     string `db:"text"`
		N        int    `db:"n"`
		Distinct int    `db:"distinct_answers"`
	}
	query := `SELECT poll_id, text, n, distinct_answers FROM (
			SELECT poll_id, text_key, mode() WITHIN GROUP (ORDER BY text) AS text, count(*) AS n,
				row_number() OVER (PARTITION BY poll_id ORDER BY count(*) DESC, text_key) AS rank,
				count(*) OVER (PARTITION BY poll_id) AS distinct_answers
			FROM poll_answers WHERE poll_id = ANY($1) AND text_key <> ''
			GROUP BY poll_id, text_key) w
		WHERE rank <= $2
		ORDER BY poll_id, rank`
	if err := sqlx.SelectContext(ctx, q, &rows, query, pq.Array(ids), MaxWords); err != nil {
		return fmt.Errorf("poll: word list: %w", err)
	}
	for _, row := range rows {
		r := out[row.PollID]
		r.Words = append(r.Words, Count{Label: row.Text, Count: row.N})
		r.OtherWords = row.Distinct - len(r.Words)
	}
	return nil
}

// percent is n of total in percent, to one decimal.
func percent(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return math.Round(float64(n)*1000/float64(total)) / 10
}

// MaxExportWords bounds the free-text answers an export lists per poll: every distinct answer
// of a session's audience, far beyond what a word list shows.
const MaxExportWords = 10000

// AllWords lists the distinct answers of a text poll with their counts, most frequent first.
func AllWords(ctx context.Context, q sqlx.QueryerContext, p Poll) ([]Count, error) {
	var rows []struct {
		Text string `db:"text"`
		N    int    `db:"n"`
	}
	query := `SELECT mode() WITHIN GROUP (ORDER BY text) AS text, count(*) AS n
		FROM poll_answers WHERE poll_id = $1 AND text_key <> ''
		GROUP BY text_key
		ORDER BY count(*) DESC, text_key
		LIMIT $2`
	if err := sqlx.SelectContext(ctx, q, &rows, query, p.ID, MaxExportWords); err != nil {
		return nil, fmt.Errorf("poll: all words: %w", err)
	}
	var total int
	if err := sqlx.GetContext(ctx, q, &total, `SELECT count(*) FROM poll_answers WHERE poll_id = $1`, p.ID); err != nil {
		return nil, fmt.Errorf("poll: all words: %w", err)
	}
	out := make([]Count, len(rows))
	for i, r := range rows {
		out[i] = Count{Label: r.Text, Count: r.N, Percent: percent(r.N, total)}
	}
	return out, nil
}
