package poll_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/poll"
	"github.com/podium-events/podium/internal/qa"
)

var secret = []byte("a secret of at least thirty-two bytes")

func newEvent(t *testing.T, pool *sqlx.DB) *event.Event {
	t.Helper()
	in := event.NewInput()
	in.Title = "Digitale Kommune"
	in.StartsAt = time.Now().Add(14 * 24 * time.Hour).Truncate(time.Hour)
	in.EndsAt = in.StartsAt.Add(90 * time.Minute)
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "oefit@example.org"
	in.Status = event.StatusPublished
	e, err := event.Create(context.Background(), pool, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var kommunentyp = poll.Input{Kind: poll.KindSingle, Question: "Welcher Kommunentyp ist Ihre Kommune?",
	Options: []string{"Die Bedächtigen", "Die Optimierer", "Die Serviceorientierten", "Die Community Manager"}}

func open(t *testing.T, pool *sqlx.DB, e *event.Event, in poll.Input) *poll.Poll {
	t.Helper()
	ctx := context.Background()
	p, err := poll.Create(ctx, pool, e.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	state := poll.StateOpen
	if p, err = poll.Update(ctx, pool, e.ID, p.ID, poll.Change{State: &state}); err != nil {
		t.Fatal(err)
	}
	return p
}

func results(t *testing.T, pool *sqlx.DB, p *poll.Poll) *poll.Results {
	t.Helper()
	r, err := poll.ResultsOf(context.Background(), pool, []poll.Poll{*p})
	if err != nil {
		t.Fatal(err)
	}
	return r[p.ID]
}

func TestPollInputLimits(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	e := newEvent(t, pool)
	options := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("Option %d", i+1)
		}
		return out
	}
	for _, c := range []struct {
		name  string
		in    poll.Input
		field string
	}{
		{"no question", poll.Input{Kind: poll.KindText}, "question"},
		{"question too long", poll.Input{Kind: poll.KindText, Question: strings.Repeat("x", poll.MaxQuestionLen+1)}, "question"},
		{"explanation too long", poll.Input{Kind: poll.KindText, Question: "Q", Explanation: strings.Repeat("x", poll.MaxExplanationLen+1)}, "explanation"},
		{"unknown kind", poll.Input{Kind: "ranking", Question: "Q"}, "kind"},
		{"one option", poll.Input{Kind: poll.KindSingle, Question: "Q", Options: options(1)}, "options"},
		{"eleven options", poll.Input{Kind: poll.KindMultiple, Question: "Q", Options: options(poll.MaxOptions + 1)}, "options"},
		{"empty option", poll.Input{Kind: poll.KindSingle, Question: "Q", Options: []string{"a", " "}}, "options[1]"},
		{"option too long", poll.Input{Kind: poll.KindSingle, Question: "Q", Options: []string{"a", strings.Repeat("x", poll.MaxOptionLen+1)}}, "options[1]"},
		{"option twice", poll.Input{Kind: poll.KindSingle, Question: "Q", Options: []string{"Ja", "ja"}}, "options[1]"},
		{"option with a line break", poll.Input{Kind: poll.KindSingle, Question: "Q", Options: []string{"a", "b\nc"}}, "options[1]"},
		{"scale 7", poll.Input{Kind: poll.KindRating, Question: "Q", Scale: 7}, "scale"},
		{"rating with options", poll.Input{Kind: poll.KindRating, Question: "Q", Scale: 5, Options: options(2)}, "options"},
		{"text with scale", poll.Input{Kind: poll.KindText, Question: "Q", Scale: 5}, "scale"},
		{"NUL", poll.Input{Kind: poll.KindText, Question: "a\x00b"}, "question"},
	} {
		_, err := poll.Create(context.Background(), pool, e.ID, c.in)
		var invalid *domain.ValidationError
		if !errors.As(err, &invalid) || !invalid.Has(c.field) {
			t.Errorf("%s: got %v, want a problem with %s", c.name, err, c.field)
		}
	}
	for _, in := range []poll.Input{
		{Kind: poll.KindSingle, Question: "Q", Options: options(poll.MinOptions)},
		{Kind: poll.KindMultiple, Question: "Q", Options: options(poll.MaxOptions)},
		{Kind: poll.KindRating, Question: "Q", Scale: 5},
		{Kind: poll.KindRating, Question: "Q", Scale: 10},
		{Kind: poll.KindText, Question: strings.Repeat("x", poll.MaxQuestionLen)},
	} {
		if _, err := poll.Create(context.Background(), pool, e.ID, in); err != nil {
			t.Errorf("%+v: %v", in, err)
		}
	}
	typed := []string{" Ja ", "Nein"}
	if p, err := poll.Create(context.Background(), pool, e.ID, poll.Input{Kind: poll.KindSingle, Question: "Q", Options: typed}); err != nil || p.Options[0] != "Ja" || typed[0] != " Ja " {
		t.Errorf("options stored %v (%v), the caller's list became %q: want it trimmed in the poll only", p, err, typed)
	}
	var n int
	pool.Get(&n, `SELECT count(*) FROM polls`)
	for range poll.MaxPolls - n {
		if _, err := poll.Create(context.Background(), pool, e.ID, poll.Input{Kind: poll.KindText, Question: "Q"}); err != nil {
			t.Fatal(err)
		}
	}
	var conflict *domain.ConflictError
	if _, err := poll.Create(context.Background(), pool, e.ID, poll.Input{Kind: poll.KindText, Question: "Q"}); !errors.As(err, &conflict) {
		t.Errorf("poll %d of an event: %v, want a conflict", poll.MaxPolls+1, err)
	}
}

// A participant answers once and may change the answer while the poll is open; the database
// keeps one answer per participant, and it holds nothing that names them.
func TestOneChangeableAnswerPerParticipant(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool)
	p := open(t, pool, e, kommunentyp)
	erika, jonas := poll.NewVoter(secret, "participant-erika"), poll.NewVoter(secret, "participant-jonas")
	for _, step := range []struct {
		voter  poll.Voter
		choice int
	}{{erika, 0}, {jonas, 1}, {erika, 2}, {erika, 2}} {
		if err := poll.Submit(ctx, pool, e.ID, p.ID, step.voter, poll.Answer{Option: &step.choice}); err != nil {
			t.Fatal(err)
		}
	}
	r := results(t, pool, p)
	got := fmt.Sprint(r.Participants, r.Options[0].Count, r.Options[1].Count, r.Options[2].Count, r.Options[1].Percent)
	if got != "2 0 1 1 50" {
		t.Errorf("participants and counts %s, want 2 0 1 1 50", got)
	}
	mine, err := poll.Answers(ctx, pool, []poll.Poll{*p}, erika)
	if err != nil || *mine[p.ID].Option != 2 {
		t.Errorf("Erika's answer %+v (%v), want option 2", mine[p.ID], err)
	}
	var stored string
	pool.Get(&stored, `SELECT string_agg(encode(voter, 'escape') || choices::text || text, ' ') FROM poll_answers`)
	if strings.Contains(stored, "participant-") {
		t.Errorf("an answer names its participant: %s", stored)
	}
	key := poll.NewVoter(secret, "participant-erika").Key(p.ID)
	if _, err := pool.Exec(`INSERT INTO poll_answers (poll_id, voter, choices) VALUES ($1, $2, '{1}')`, p.ID, key); err == nil {
		t.Error("the database took a second answer of one participant")
	}
	if string(key) == string(erika.Key(p.ID+1)) {
		t.Error("one participant has the same key in two polls")
	}
	// Two changes of number: the answers that changed something (the repeat changed nothing).
	var answered int
	pool.Get(&answered, `SELECT count(*) FROM question_changes WHERE poll_id = $1 AND kind = 'answered'`, p.ID)
	if answered != 3 {
		t.Errorf("%d answer changes published, want 3", answered)
	}
}

func TestAnswersOnlyWhileOpenAndValid(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool)
	voter := poll.NewVoter(secret, "someone")
	draft, err := poll.Create(ctx, pool, e.ID, kommunentyp)
	if err != nil {
		t.Fatal(err)
	}
	if err := poll.Submit(ctx, pool, e.ID, draft.ID, voter, poll.Answer{Option: ptr(0)}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("answer to a draft: %v, want not found", err)
	}
	multi := open(t, pool, e, poll.Input{Kind: poll.KindMultiple, Question: "Was nutzen Sie?", Options: []string{"E-Akte", "Portal", "Chat"}})
	rating := open(t, pool, e, poll.Input{Kind: poll.KindRating, Question: "Wie zufrieden?", Scale: 5})
	text := open(t, pool, e, poll.Input{Kind: poll.KindText, Question: "Ein Wort?"})
	for _, c := range []struct {
		p     *poll.Poll
		a     poll.Answer
		field string
	}{
		{multi, poll.Answer{}, "options"},
		{multi, poll.Answer{Options: []int{}}, "options"},
		{multi, poll.Answer{Option: ptr(0)}, "option"},
		{multi, poll.Answer{Options: []int{0, 0}}, "options"},
		{multi, poll.Answer{Options: []int{3}}, "options"},
		{rating, poll.Answer{Rating: ptr(6)}, "rating"},
		{rating, poll.Answer{Rating: ptr(0)}, "rating"},
		{text, poll.Answer{Text: ptr("  ")}, "text"},
		{text, poll.Answer{Text: ptr(strings.Repeat("x", poll.MaxAnswerLen+1))}, "text"},
		{text, poll.Answer{Text: ptr("a\x00")}, "text"},
	} {
		err := poll.Submit(ctx, pool, e.ID, c.p.ID, voter, c.a)
		var invalid *domain.ValidationError
		if !errors.As(err, &invalid) || !invalid.Has(c.field) {
			t.Errorf("%s %+v: %v, want a problem with %s", c.p.Kind, c.a, err, c.field)
		}
	}
	if err := poll.Submit(ctx, pool, e.ID, multi.ID, voter, poll.Answer{Options: []int{0, 2}}); err != nil {
		t.Fatal(err)
	}
	if err := poll.Submit(ctx, pool, e.ID, rating.ID, voter, poll.Answer{Rating: ptr(5)}); err != nil {
		t.Fatal(err)
	}
	closed := poll.StateClosed
	if _, err := poll.Update(ctx, pool, e.ID, multi.ID, poll.Change{State: &closed}); err != nil {
		t.Fatal(err)
	}
	var conflict *domain.ConflictError
	if err := poll.Submit(ctx, pool, e.ID, multi.ID, voter, poll.Answer{Options: []int{1}}); !errors.As(err, &conflict) {
		t.Errorf("answer to a closed poll: %v, want a conflict", err)
	}
	if r := results(t, pool, multi); fmt.Sprint(r.Participants, r.Options[0].Count, r.Options[1].Count, r.Options[2].Count) != "1 1 0 1" {
		t.Errorf("multiple choice results %+v", r)
	}
	if r := results(t, pool, rating); r.Average == nil || *r.Average != 5 || r.Options[4].Count != 1 {
		t.Errorf("rating results %+v", r)
	}
	draftState := poll.StateDraft
	if _, err := poll.Update(ctx, pool, e.ID, multi.ID, poll.Change{State: &draftState}); !errors.As(err, &conflict) {
		t.Errorf("a closed poll back to draft: %v, want a conflict", err)
	}
	question := "Neu?"
	if _, err := poll.Update(ctx, pool, e.ID, multi.ID, poll.Change{Question: &question}); !errors.As(err, &conflict) {
		t.Errorf("an opened poll's text changed: %v, want a conflict", err)
	}
}

// Free-text answers are counted together whatever their case and spacing, most frequent first.
func TestWordList(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool)
	p := open(t, pool, e, poll.Input{Kind: poll.KindText, Question: "Digitalisierung in einem Wort?"})
	for i, text := range []string{"Bürgerportal", " bürgerportal ", "E-Akte", "Bürgerportal", "Open  Data", "open data", "Mut"} {
		if err := poll.Submit(ctx, pool, e.ID, p.ID, poll.NewVoter(secret, fmt.Sprint(i)), poll.Answer{Text: &text}); err != nil {
			t.Fatal(err)
		}
	}
	r := results(t, pool, p)
	var got []string
	for _, w := range r.Words {
		got = append(got, fmt.Sprintf("%s=%d", w.Label, w.Count))
	}
	if strings.Join(got, " ") != "Bürgerportal=3 Open Data=2 E-Akte=1 Mut=1" || r.Participants != 7 {
		t.Errorf("word list %v of %d", got, r.Participants)
	}
}

// Hundreds of people answering at once end with exactly one answer each, and every change is
// numbered on the event's live stream without a gap.
func TestConcurrentAnswersAreExact(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool)
	p := open(t, pool, e, kommunentyp)
	const people = 200
	var wg sync.WaitGroup
	errs := make(chan error, 2*people)
	for i := range people {
		wg.Go(func() {
			v := poll.NewVoter(secret, fmt.Sprint("p", i))
			errs <- poll.Submit(ctx, pool, e.ID, p.ID, v, poll.Answer{Option: ptr(i % 4)})
			errs <- poll.Submit(ctx, pool, e.ID, p.ID, v, poll.Answer{Option: ptr((i + 1) % 4)})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r := results(t, pool, p)
	if r.Participants != people || r.Options[0].Count != people/4 {
		t.Errorf("%d participants, %d for the first option; want %d and %d", r.Participants, r.Options[0].Count, people, people/4)
	}
	b, err := qa.Changes(ctx, pool, e.ID, 0, poll.Source{})
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	pool.Select(&seqs, `SELECT seq FROM question_changes WHERE event_id = $1 ORDER BY seq`, e.ID)
	if b.Through != int64(len(seqs)) || seqs[len(seqs)-1] != b.Through {
		t.Errorf("changes numbered %d..%d (%d), batch through %d", seqs[0], seqs[len(seqs)-1], len(seqs), b.Through)
	}
	if len(b.Polls) != 1 || !b.Polls[0].Updated || !strings.Contains(string(b.PollEvents.Audience), `"participants":200`) {
		t.Errorf("batch polls %+v, audience events %s", b.Polls, b.PollEvents.Audience)
	}
}

func ptr[T any](v T) *T { return &v }
