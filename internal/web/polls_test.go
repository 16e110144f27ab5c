package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
)

// pollBody is the part of a poll answer the tests look at.
type pollBody struct {
	ID             int64    `json:"id"`
	Kind           string   `json:"kind"`
	Question       string   `json:"question"`
	Options        []string `json:"options"`
	State          string   `json:"state"`
	ResultsVisible bool     `json:"results_visible"`
	OnPresenter    bool     `json:"on_presenter"`
	Results        *struct {
		Participants int `json:"participants"`
		Options      []struct {
			Label   string  `json:"label"`
			Count   int     `json:"count"`
			Percent float64 `json:"percent"`
		} `json:"options"`
	} `json:"results"`
	Answer *struct {
		Option *int `json:"option"`
	} `json:"answer"`
}

// pollFixture is the demo follow-up with an organizer and a moderator.
type pollFixture struct {
	h                 *harness
	base              string // /api/v1/events/{slug}/polls
	organizer, modTok string
}

func newPollFixture(t *testing.T) *pollFixture {
	t.Helper()
	h := newHarness(t)
	loadDemo(t, h)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, h.pool, demo.FollowUpSlug)
	organizer, orgToken := h.user("orga@example.org", "member")
	moderator, modToken := h.user("moderation@example.org", "member")
	auth.SetEventRole(ctx, h.pool, e.ID, organizer.ID, auth.EventOrganizer)
	auth.SetEventRole(ctx, h.pool, e.ID, moderator.ID, auth.EventModerator)
	return &pollFixture{h: h, base: "/api/v1/events/" + demo.FollowUpSlug + "/polls", organizer: orgToken, modTok: modToken}
}

const kommunentypPoll = `{"kind": "single", "question": "Welcher Kommunentyp ist Ihre Kommune?",
	"options": ["Die Bedächtigen", "Die Optimierer", "Die Serviceorientierten", "Die Community Manager"]}`

// sendJSON sends a JSON request with the given cookies.
func (h *harness) sendJSON(method, path, body string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	return rec
}

// An organizer prepares a poll, a moderator opens it and shows its results, two people answer
// (one changes their mind), and everyone reads the same counts; what is not shown stays hidden.
func TestPollsAPI(t *testing.T) {
	t.Parallel()
	f := newPollFixture(t)
	h := f.h
	rec := h.do("POST", f.base, f.organizer, kommunentypPoll)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	p := decode[pollBody](t, rec)
	if p.State != "draft" || len(p.Options) != 4 {
		t.Fatalf("created %+v", p)
	}
	item := fmt.Sprintf("%s/%d", f.base, p.ID)
	if got := decode[pollList](t, h.do("GET", f.base, "", "")); len(got.Items) != 0 {
		t.Errorf("the audience sees %d drafts", len(got.Items))
	}
	if got := decode[pollList](t, h.do("GET", f.base, f.modTok, "")); len(got.Items) != 1 {
		t.Errorf("the moderator sees %d polls, want the draft", len(got.Items))
	}
	if rec := h.do("GET", item, "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("a draft for the audience: %d, want 404", rec.Code)
	}

	visit := cookie(h.getPage("/events/"+demo.FollowUpSlug+"/questions"), "podium_participant")
	other := cookie(h.getPage("/events/"+demo.FollowUpSlug+"/questions"), "podium_participant")
	if rec := h.sendJSON("POST", item+"/answer", `{"option": 1}`, visit); rec.Code != http.StatusNotFound {
		t.Errorf("answer to a draft: %d, want 404", rec.Code)
	}
	if rec := h.do("PATCH", item, f.modTok, `{"state": "open"}`); rec.Code != http.StatusOK {
		t.Fatalf("open: %d %s", rec.Code, rec.Body)
	}
	if rec := h.sendJSON("POST", item+"/answer", `{"option": 1}`); rec.Code != http.StatusForbidden {
		t.Errorf("answer without the participant cookie: %d, want 403", rec.Code)
	}
	for _, c := range []struct {
		body  string
		field string
	}{
		{`{"option": 4}`, "option"},
		{`{"options": [1]}`, "options"},
		{`{}`, "option"},
		{`{"option": "eins"}`, "option"},
		{`{"colour": "blau", "option": 1}`, "colour"},
	} {
		if p := expectProblem(t, h.sendJSON("POST", item+"/answer", c.body, visit), http.StatusUnprocessableEntity); !p.names(c.field) {
			t.Errorf("answer %s: fields %v, want %s", c.body, p.fields(), c.field)
		}
	}
	for _, a := range []struct {
		who  *http.Cookie
		body string
	}{{visit, `{"option": 0}`}, {other, `{"option": 1}`}, {visit, `{"option": 1}`}} {
		if rec := h.sendJSON("POST", item+"/answer", a.body, a.who); rec.Code != http.StatusOK {
			t.Fatalf("answer %s: %d %s", a.body, rec.Code, rec.Body)
		}
	}
	hidden := decode[map[string]any](t, h.do("GET", item+"/results", "", ""))
	if hidden["participants"] != 2.0 || hidden["options"] != nil || hidden["visible"] != false {
		t.Errorf("hidden results for the audience: %v", hidden)
	}
	if rec := h.do("PATCH", item, f.modTok, `{"results_visible": true, "on_presenter": true}`); rec.Code != http.StatusOK {
		t.Fatalf("show: %d %s", rec.Code, rec.Body)
	}
	got := decode[pollList](t, h.sendJSON("GET", f.base, "", visit)).Items[0]
	if r := got.Results; r == nil || r.Participants != 2 || r.Options[1].Count != 2 || r.Options[1].Percent != 100 || r.Options[0].Count != 0 {
		t.Errorf("results after two answers, one changed: %+v", r)
	}
	if got.Answer == nil || got.Answer.Option == nil || *got.Answer.Option != 1 || !got.OnPresenter {
		t.Errorf("the participant's own answer %+v, on presenter %v", got.Answer, got.OnPresenter)
	}
	if rec := h.do("PATCH", item, f.modTok, `{"state": "closed"}`); rec.Code != http.StatusOK {
		t.Fatalf("close: %d %s", rec.Code, rec.Body)
	}
	expectProblem(t, h.sendJSON("POST", item+"/answer", `{"option": 2}`, visit), http.StatusConflict)
	if p := expectProblem(t, h.do("PATCH", item, f.modTok, `{"state": "paused"}`), http.StatusUnprocessableEntity); !p.names("state") {
		t.Errorf("state paused: %v", p.fields())
	}
	expectProblem(t, h.do("PATCH", item, f.modTok, `{"question": "Neu?"}`), http.StatusConflict)
	expectProblem(t, h.do("POST", f.base, f.modTok, kommunentypPoll), http.StatusForbidden)
	if p := expectProblem(t, h.do("POST", f.base, f.organizer, `{"kind": "single", "question": "Ja?", "options": ["Ja"]}`), http.StatusUnprocessableEntity); !p.names("options") {
		t.Errorf("one option: %v", p.fields())
	}
	if p := expectProblem(t, h.do("POST", f.base, f.organizer, `{"kind": "rating", "question": "Wie?", "scale": 7}`), http.StatusUnprocessableEntity); !p.names("scale") {
		t.Errorf("scale 7: %v", p.fields())
	}
	expectProblem(t, h.do("GET", f.base+"/999999/results", "", ""), http.StatusNotFound)
}

// An answer counts against the person's limit whether it came by form or API: 60 a minute.
func TestAnswerLimitPerParticipant(t *testing.T) {
	t.Parallel()
	f := newPollFixture(t)
	h := f.h
	p := decode[pollBody](t, h.do("POST", f.base, f.organizer, kommunentypPoll))
	item := fmt.Sprintf("%s/%d", f.base, p.ID)
	h.do("PATCH", item, f.modTok, `{"state": "open"}`)
	visit := cookie(h.getPage("/events/"+demo.FollowUpSlug+"/questions"), "podium_participant")
	for i := range 60 {
		if rec := h.sendJSON("POST", item+"/answer", fmt.Sprintf(`{"option": %d}`, i%4), visit); rec.Code != http.StatusOK {
			t.Fatalf("answer %d: %d", i+1, rec.Code)
		}
	}
	rec := h.sendJSON("POST", item+"/answer", `{"option": 0}`, visit)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("answer 61: %d, Retry-After %q; want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
}

// A room behind one address may answer 600 times a minute; the next gets 429.
func TestAnswerLimitPerAddress(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	moderatedEvent(t, pool)
	srv := liveServerBehindProxy(t, pool, dbURL)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, pool, demo.FollowUpSlug)
	var id int64
	pool.Get(&id, `INSERT INTO polls (event_id, kind, question, options, state) VALUES ($1, 'single', 'Ja?', '{Ja,Nein}', 'open') RETURNING id`, e.ID)
	url := fmt.Sprintf("%s/api/v1/events/%s/polls/%d/answer", srv.URL, demo.FollowUpSlug, id)
	client := &http.Client{Timeout: 10 * time.Second}
	answer := func(participant *http.Cookie) int {
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"option": 0}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", "10.2.2.2")
		req.AddCookie(participant)
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	// Participants come from elsewhere, so that only the answers count against 10.2.2.2.
	var people []*http.Cookie
	for range 30 {
		res, err := client.Get(srv.URL + "/api/v1/events/" + demo.FollowUpSlug + "/polls")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		people = append(people, cookie(res, "podium_participant"))
	}
	for i := range 600 {
		if status := answer(people[i%len(people)]); status != http.StatusOK {
			t.Fatalf("answer %d from one address: %d", i+1, status)
		}
	}
	if status := answer(people[0]); status != http.StatusTooManyRequests {
		t.Errorf("answer 601 from one address: %d, want 429", status)
	}
	var n int
	pool.Get(&n, `SELECT count(*) FROM poll_answers WHERE poll_id = $1`, id)
	if n != len(people) {
		t.Errorf("%d answers stored, want one per participant (%d)", n, len(people))
	}
}

// Polls ride the questions' stream: a draft reaches moderators only, opening reaches everyone,
// a burst of answers reaches the audience as few results with the exact final count, hidden
// results show only the number of participants, and a stream resumed with Last-Event-ID gets
// what it missed.
func TestPollsOnTheLiveStream(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	path, moderator := moderatedEvent(t, pool)
	srv := liveServer(t, pool, dbURL)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, pool, demo.FollowUpSlug)
	orga := eventUser(t, pool, e.ID, "orga@example.org", auth.EventOrganizer)
	orgToken, _, _ := auth.CreateToken(ctx, pool, orga.ID, "test")
	api := srv.URL + "/api/v1/events/" + demo.FollowUpSlug + "/polls"
	audience := stream(t, participant(t), srv.URL+path+"/stream", "", "")
	mods := stream(t, participant(t), srv.URL+path+"/stream", moderator, "")

	status, created := call(t, participant(t), "POST", api, orgToken, kommunentypPoll)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, created)
	}
	item := fmt.Sprintf("%s/%v", api, created["id"])
	if ev := next(t, mods, 5*time.Second); ev.Name != "poll.updated" || ev.Data["state"] != "draft" {
		t.Errorf("moderator got %s %v, want the draft", ev.Name, ev.Data)
	}
	call(t, participant(t), "PATCH", item, moderator, `{"state": "open"}`)
	ev := next(t, audience, 5*time.Second)
	if ev.Name != "poll.updated" || ev.Data["state"] != "open" || ev.Data["question"] != "Welcher Kommunentyp ist Ihre Kommune?" {
		t.Fatalf("audience got %s %v first, want the opened poll", ev.Name, ev.Data)
	}
	resumeFrom := ev.ID
	if ev := next(t, audience, 5*time.Second); ev.Name != "poll.results" || ev.Data["options"] != nil {
		t.Errorf("audience got %s %v, want results without counts", ev.Name, ev.Data)
	}
	call(t, participant(t), "PATCH", item, moderator, `{"results_visible": true}`)
	const people = 40
	for i := range people {
		c := visitor(t, srv.URL+path)
		if status, body := call(t, c, "POST", item+"/answer", "", fmt.Sprintf(`{"option": %d}`, i%4)); status != http.StatusOK {
			t.Fatalf("answer %d: %d %v", i, status, body)
		}
	}
	// The audience's stream ends with the exact count, in far fewer results than answers.
	results := 0
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ev := next(t, audience, 5*time.Second)
		if ev.Name != "poll.results" {
			continue
		}
		results++
		if ev.Data["participants"] == float64(people) {
			opts := ev.Data["options"].([]any)
			if first := opts[0].(map[string]any); first["count"] != float64(people/4) || first["percent"] != 25.0 {
				t.Errorf("first option %v, want %d and 25 %%", first, people/4)
			}
			break
		}
	}
	if results == 0 || results > people/2 {
		t.Errorf("%d results events for %d answers", results, people)
	}
	// A page that lost its connection after the opening catches up to the same end.
	resumed := stream(t, participant(t), srv.URL+path+"/stream", "", resumeFrom)
	var last sseEvent
	for last.Data["participants"] != float64(people) {
		last = next(t, resumed, 5*time.Second)
		if last.Name == "poll.updated" && last.Data["results_visible"] != true {
			t.Errorf("the catch-up brought an old poll state: %v", last.Data)
		}
	}
	raw, _ := json.Marshal(last.Data)
	if !strings.Contains(string(raw), `"visible":true`) {
		t.Errorf("resumed results %s", raw)
	}
}

// pollList is the answer of GET .../polls.
type pollList struct {
	Items      []pollBody `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

// Organizers download the polls with their results: each option with count and percentage,
// every free-text answer (defused like every cell), and nothing that names a person; the
// dashboard shows the same results.
func TestPollDownloadsAndDashboard(t *testing.T) {
	t.Parallel()
	f := newPollFixture(t)
	h := f.h
	choice := decode[pollBody](t, h.do("POST", f.base, f.organizer, kommunentypPoll))
	words := decode[pollBody](t, h.do("POST", f.base, f.organizer, `{"kind": "text", "question": "Ein Wort?"}`))
	for _, p := range []pollBody{choice, words} {
		h.do("PATCH", fmt.Sprintf("%s/%d", f.base, p.ID), f.modTok, `{"state": "open"}`)
	}
	for i, text := range []string{"Mut", "mut ", "=HYPERLINK(\"x\")", "Bürgerportal"} {
		visit := cookie(h.getPage("/events/"+demo.FollowUpSlug+"/questions"), "podium_participant")
		h.sendJSON("POST", fmt.Sprintf("%s/%d/answer", f.base, choice.ID), fmt.Sprintf(`{"option": %d}`, []int{1, 1, 3, 0}[i]), visit)
		h.sendJSON("POST", fmt.Sprintf("%s/%d/answer", f.base, words.ID), `{"text": `+strconvQuote(text)+`}`, visit)
	}
	rec := h.do("GET", "/api/v1/events/"+demo.FollowUpSlug+"/polls.csv?lang=de&delimiter=semicolon", f.organizer, "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Header().Get("Content-Disposition"), "umfragen.csv") {
		t.Fatalf("csv: %d %s", rec.Code, rec.Header())
	}
	csv := strings.TrimPrefix(rec.Body.String(), "\ufeff")
	for _, want := range []string{
		"Umfrage-Nr.;Umfrage;Art;Status;Teilnahmen;Antwort;Anzahl;Anteil (%)",
		";Welcher Kommunentyp ist Ihre Kommune?;Einfachauswahl;geöffnet;4;Die Optimierer;2;50,0",
		";Welcher Kommunentyp ist Ihre Kommune?;Einfachauswahl;geöffnet;4;Die Serviceorientierten;0;0,0",
		";Ein Wort?;Freitext;geöffnet;4;Mut;2;50,0",
		`;Ein Wort?;Freitext;geöffnet;4;"'=HYPERLINK(""x"")";1;25,0`,
	} {
		if !strings.Contains(csv, want) {
			t.Errorf("the CSV lacks %q:\n%s", want, csv)
		}
	}
	rec = h.do("GET", "/api/v1/events/"+demo.FollowUpSlug+"/polls.xlsx", f.organizer, "")
	book, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if rec.Code != http.StatusOK || err != nil {
		t.Fatalf("xlsx: %d %v", rec.Code, err)
	}
	rows, _ := book.GetRows(book.GetSheetList()[0])
	if len(rows) != 1+4+3 || rows[0][5] != "answer" || rows[2][5] != "Die Optimierer" || rows[2][6] != "2" || rows[2][7] != "50" || rows[2][2] != "single" || rows[2][3] != "open" {
		t.Errorf("xlsx rows %q", rows)
	}
	if rec := h.do("GET", "/api/v1/events/"+demo.FollowUpSlug+"/polls.csv", f.modTok, ""); rec.Code != http.StatusForbidden {
		t.Errorf("a moderator downloads the polls: %d, want 403", rec.Code)
	}
	e, _ := event.BySlug(context.Background(), h.pool, demo.FollowUpSlug)
	eventUser(t, h.pool, e.ID, "dashboard@example.org", auth.EventOrganizer)
	admin := h.login("dashboard@example.org", testPassword)
	page := body(h.getPage("/admin/events/"+demo.FollowUpSlug, admin))
	if !strings.Contains(page, "Welcher Kommunentyp ist Ihre Kommune?") || !strings.Contains(page, "<td>2</td><td>50 %</td>") ||
		!strings.Contains(page, `<span class="podium-words__text">Mut</span> <span class="podium-words__count">2</span>`) || !strings.Contains(page, "polls.xlsx") {
		t.Error("the dashboard does not show the polls' results and downloads")
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// Two processes on one database: answers arrive at both, and the audience's streams on both
// end with exactly the database's counts; a page that loses its connection midway and resumes
// on the other process with Last-Event-ID ends there too.
func TestPollAnswersAcrossTwoProcesses(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	path, moderator := moderatedEvent(t, pool)
	one, two := liveServer(t, pool, dbURL), liveServer(t, pool, dbURL)
	ctx := context.Background()
	e, _ := event.BySlug(ctx, pool, demo.FollowUpSlug)
	var id int64
	pool.Get(&id, `INSERT INTO polls (event_id, kind, question, options) VALUES ($1, 'multiple', 'Was nutzen Sie?', '{E-Akte,Portal,Chat}') RETURNING id`, e.ID)
	streams := []*sseStream{
		stream(t, participant(t), one.URL+path+"/stream", "", ""),
		stream(t, participant(t), two.URL+path+"/stream", "", ""),
		stream(t, participant(t), two.URL+path+"/stream", moderator, ""),
	}
	item := fmt.Sprintf("/api/v1/events/%s/polls/%d", demo.FollowUpSlug, id)
	call(t, participant(t), "PATCH", one.URL+item, moderator, `{"state": "open", "results_visible": true}`)
	const people = 30
	dropped := stream(t, participant(t), one.URL+path+"/stream", "", "")
	var resumed *sseStream
	for i := range people {
		srv := []*httptest.Server{one, two}[i%2]
		c := visitor(t, srv.URL+path)
		if status, body := call(t, c, "POST", srv.URL+item+"/answer", "", fmt.Sprintf(`{"options": [%d, %d]}`, i%3, (i+1)%3)); status != http.StatusOK {
			t.Fatalf("answer %d: %d %v", i, status, body)
		}
		if i == people/2 {
			// Read what arrived so far, then lose the connection and come back on the other process.
			for ev := next(t, dropped, 5*time.Second); ev.Name != "poll.results" || ev.Data["participants"] == 0.0; ev = next(t, dropped, 5*time.Second) {
			}
			dropped.close()
			resumed = stream(t, participant(t), two.URL+path+"/stream", "", dropped.LastID())
		}
	}
	var want []float64
	pool.Select(&want, `SELECT count(a.poll_id)::float FROM generate_series(0, 2) AS o (i)
		LEFT JOIN poll_answers a ON a.poll_id = $1 AND o.i = ANY (a.choices) GROUP BY o.i ORDER BY o.i`, id)
	for i, s := range append(streams, resumed) {
		var last map[string]any
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
			ev := next(t, s, 5*time.Second)
			if ev.Name == "poll.results" {
				last = ev.Data
				if last["participants"] == float64(people) {
					break
				}
			}
		}
		if last == nil || last["participants"] != float64(people) {
			t.Fatalf("stream %d ended at %v, want %d participants", i, last, people)
		}
		var got []float64
		for _, o := range last["options"].([]any) {
			got = append(got, o.(map[string]any)["count"].(float64))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("stream %d shows %v, the database %v", i, got, want)
		}
	}
}
