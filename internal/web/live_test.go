package web_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
)

// view is what a page shows of one question.
type view struct {
	Text                  string
	Status                string
	Votes                 int
	Highlighted, Answered bool
}

// viewer folds a stream into what its page would show, as live.js does.
type viewer struct {
	name   string
	client *http.Client
	token  string
	s      *sseStream
	mu     sync.Mutex
	shown  map[int64]view
}

func (v *viewer) apply(ev sseEvent) {
	v.mu.Lock()
	defer v.mu.Unlock()
	id := int64(ev.Data["id"].(float64))
	switch ev.Name {
	case "question.deleted":
		delete(v.shown, id)
	case "question.created", "question.updated":
		v.shown[id] = view{Text: ev.Data["text"].(string), Status: ev.Data["status"].(string),
			Votes: int(ev.Data["votes"].(float64)), Highlighted: ev.Data["highlighted"] == true, Answered: ev.Data["answered"] == true}
	}
}

func (v *viewer) follow(s *sseStream) {
	for ev := range s.events {
		v.apply(ev)
	}
}

func (v *viewer) snapshot() map[int64]view {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[int64]view, len(v.shown))
	for id, q := range v.shown {
		out[id] = q
	}
	return out
}

// databaseView is what a viewer should see, read from the database: moderators everything,
// the audience approved questions and their own waiting ones.
func databaseView(t *testing.T, pool *sqlx.DB, moderator bool, participant string) map[int64]view {
	t.Helper()
	var rows []struct {
		ID int64 `db:"id"`
		view
	}
	err := pool.Select(&rows, `SELECT id, text, status, votes, highlighted, answered FROM questions
		WHERE $1 OR status = 'approved' OR (status = 'pending' AND participant = $2)`, moderator, participant)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]view{}
	for _, r := range rows {
		out[r.ID] = r.view
	}
	return out
}

// Many people on two processes approve, reject, edit, highlight and vote at once, while a
// browser on each process loses its connection and resumes with Last-Event-ID. Afterwards every
// stream shows exactly what the database holds for its viewer: no change was skipped, even
// when transactions committed in another order than they started.
func TestEveryStreamEndsWithTheDatabaseView(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	path, moderator := moderatedEvent(t, pool)
	servers := []string{liveServer(t, pool, dbURL).URL, liveServer(t, pool, dbURL).URL}
	list := servers[0] + path

	asker := visitor(t, list)
	var ids []int64
	for i := range 12 {
		status, body := call(t, asker, "POST", list, "", fmt.Sprintf(`{"text":"Frage %d zum Kommunentyp"}`, i))
		if status != http.StatusCreated {
			t.Fatalf("ask: %d", status)
		}
		ids = append(ids, int64(body["id"].(float64)))
		if i%2 == 0 {
			call(t, participant(t), "PATCH", fmt.Sprintf("%s/%d", list, ids[i]), moderator, `{"status":"approved"}`)
		}
	}

	// Viewers on both processes, each starting from what the database holds now.
	var viewers []*viewer
	for _, base := range servers {
		for _, who := range []string{"audience", "audience", "asker", "moderator"} {
			v := &viewer{name: who + "@" + base, shown: map[int64]view{}}
			switch who {
			case "asker":
				v.client = asker
			case "moderator":
				v.client, v.token = participant(t), moderator
			default:
				v.client = visitor(t, list)
			}
			v.s = stream(t, v.client, base+path+"/stream", v.token, "")
			viewers = append(viewers, v)
		}
	}
	time.Sleep(300 * time.Millisecond) // the streams are subscribed
	for _, v := range viewers {
		v.shown = databaseView(t, pool, v.token != "", participantID(t, v.client, list))
		go v.follow(v.s)
	}

	// The storm: 300 changes from 12 people, spread over both processes.
	var wg sync.WaitGroup
	for worker := range 12 {
		wg.Go(func() {
			voter := visitor(t, servers[worker%2]+path)
			for n := range 25 {
				base := servers[(worker+n)%2]
				id := ids[rand.IntN(len(ids))]
				q := fmt.Sprintf("%s%s/%d", base, path, id)
				switch rand.IntN(6) {
				case 0:
					call(t, participant(t), "PATCH", q, moderator, `{"status":"approved"}`)
				case 1:
					call(t, participant(t), "PATCH", q, moderator, `{"status":"`+[]string{"rejected", "pending"}[rand.IntN(2)]+`"}`)
				case 2:
					call(t, participant(t), "PATCH", q, moderator, `{"highlighted":true}`)
				case 3:
					call(t, participant(t), "PATCH", q, moderator, fmt.Sprintf(`{"text":"Bearbeitet %d-%d","answered":%v}`, worker, n, n%2 == 0))
				default:
					call(t, voter, []string{"POST", "DELETE"}[rand.IntN(2)], q+"/vote", "", "")
				}
			}
		})
	}
	// Midway, one audience page on each process loses its connection and resumes.
	time.Sleep(100 * time.Millisecond)
	for i, base := range servers {
		v := viewers[i*4]
		v.s.close()
		v.s = stream(t, v.client, base+path+"/stream", "", v.s.LastID())
		go v.follow(v.s)
	}
	wg.Wait()

	for _, v := range viewers {
		want := databaseView(t, pool, v.token != "", participantID(t, v.client, list))
		deadline := time.Now().Add(5 * time.Second)
		for !reflect.DeepEqual(v.snapshot(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("%s shows\n%v\nthe database has\n%v", v.name, v.snapshot(), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// participantID reads the client's participant id from its cookie, as the database stores it.
func participantID(t *testing.T, client *http.Client, listURL string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", listURL, nil)
	for _, c := range client.Jar.Cookies(req.URL) {
		if c.Name == "podium_participant" {
			id, _, _ := cutDot(c.Value)
			return id
		}
	}
	return ""
}

func cutDot(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// A storm of votes reaches a page as a few updates a second, the last with the exact count.
func TestVoteStormIsCoalesced(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	path, moderator := moderatedEvent(t, pool)
	srv := liveServer(t, pool, dbURL)
	_, body := call(t, participant(t), "POST", srv.URL+path, "", `{"text":"Wie viele Stimmen?"}`)
	q := fmt.Sprintf("%s%s/%v", srv.URL, path, body["id"])
	call(t, participant(t), "PATCH", q, moderator, `{"status":"approved"}`)

	const voters = 200
	clients := make([]*http.Client, voters)
	for i := range clients {
		clients[i] = visitor(t, srv.URL+path)
	}
	page := stream(t, participant(t), srv.URL+path+"/stream", "", "")
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 20 { // 20 at a time, as many people press at once
		wg.Go(func() {
			for i := w; i < voters; i += 20 {
				if status, _ := call(t, clients[i], "POST", q+"/vote", "", ""); status != http.StatusOK {
					t.Errorf("vote: %d", status)
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)

	var updates []time.Time
	last := 0
	for last != voters {
		ev := next(t, page, 3*time.Second)
		if ev.Name == "question.updated" {
			updates = append(updates, time.Now())
			last = int(ev.Data["votes"].(float64))
		}
	}
	// At most one update every 850 ms (qa.flushEvery), plus the one the first vote sends at once.
	if limit := int(time.Since(start)/(850*time.Millisecond)) + 2; len(updates) > limit {
		t.Errorf("%d votes in %s reached the page as %d updates, want at most %d", voters, took, len(updates), limit)
	}
	t.Logf("%d votes in %s reached the page as %d updates", voters, took, len(updates))
}

// A stream that is far behind, or claims a change the database never made, is told to load
// the list again instead of being sent an unbounded catch-up.
func TestCatchUpIsBounded(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	path, moderator := moderatedEvent(t, pool)
	srv := liveServer(t, pool, dbURL)
	_, body := call(t, participant(t), "POST", srv.URL+path, "", `{"text":"Eine Frage"}`)
	call(t, participant(t), "PATCH", fmt.Sprintf("%s%s/%v", srv.URL, path, body["id"]), moderator, `{"status":"approved"}`)
	// The follow-up's changes: the demo's websession has changes of its own (its poll).
	const ofFollowUp = ` WHERE event_id = (SELECT id FROM events WHERE slug = '` + demo.FollowUpSlug + `')`
	var last int64
	pool.Get(&last, `SELECT last_change FROM question_sequences`+ofFollowUp)

	for _, id := range []int64{last + 1, 1} {
		if id == 1 {
			// As if thousands of changes happened since.
			pool.MustExec(`UPDATE question_sequences SET last_change = last_change + 10000` + ofFollowUp)
		}
		s := stream(t, participant(t), srv.URL+path+"/stream", "", strconv.FormatInt(id, 10))
		if ev := next(t, s, 2*time.Second); ev.Name != "questions.reset" {
			t.Errorf("Last-Event-ID %d: first event %q, want questions.reset", id, ev.Name)
		}
		var through int64
		pool.Get(&through, `SELECT last_change FROM question_sequences`+ofFollowUp)
		if s.LastID() != strconv.FormatInt(through, 10) {
			t.Errorf("after the reset the stream is at %s, want %d", s.LastID(), through)
		}
	}
}

// One address may hold 200 streams (a town hall behind one gateway); the next gets 429 with
// Retry-After, while other addresses are served, and a closed stream frees its place.
func TestStreamsPerAddressAreCapped(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	path, _ := moderatedEvent(t, pool)
	srv := liveServerBehindProxy(t, pool, dbURL)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: -1}}
	streams := make([]*sseStream, 200)
	var wg sync.WaitGroup
	for i := range streams {
		wg.Go(func() { streams[i] = streamFrom(t, client, srv.URL+path+"/stream", "10.1.1.1") })
	}
	wg.Wait()

	refused := func() *http.Response {
		req, _ := http.NewRequest("GET", srv.URL+path+"/stream", nil)
		req.Header.Set("X-Forwarded-For", "10.1.1.1")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := refused(); res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
		res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("stream 201 from one address: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	streamFrom(t, client, srv.URL+path+"/stream", "10.1.1.2")

	streams[0].close()
	deadline := time.Now().Add(5 * time.Second)
	for refused().StatusCode != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("a closed stream does not free its place")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A vote needs the participant cookie that an earlier visit set: a client that never visited
// (or forged a cookie) cannot mint a new voter with each request, by API or by form.
func TestVoteNeedsAParticipantFromAVisit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	id := approvedQuestion(t, h)
	api := fmt.Sprintf("/api/v1/events/%s/questions/%d/vote", demo.FollowUpSlug, id)
	p := expectProblem(t, h.do("POST", api, "", ""), http.StatusForbidden)
	if !strings.Contains(p.Detail, "podium_participant") {
		t.Errorf("the refusal does not say what is missing: %q", p.Detail)
	}
	forged := &http.Cookie{Name: "podium_participant", Value: "someone.c2lnbmF0dXJl"}
	req := httptest.NewRequest("POST", api, nil)
	req.AddCookie(forged)
	rec := httptest.NewRecorder()
	h.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("forged cookie: %d, want 403", rec.Code)
	}
	form := fmt.Sprintf("/events/%s/questions/%d/vote", demo.FollowUpSlug, id)
	res := h.postPage(form, url.Values{"vote": {"add"}})
	if page := body(res); res.StatusCode != http.StatusForbidden || !strings.Contains(page, "Bitte öffnen Sie zuerst die Fragenseite") {
		t.Errorf("form vote without a visit: %d", res.StatusCode)
	}
	var votes int
	h.pool.Get(&votes, `SELECT votes FROM questions WHERE id = $1`, id)
	if votes != 0 {
		t.Fatalf("%d votes counted from clients without a visit", votes)
	}

	visit := cookie(h.getPage("/events/"+demo.FollowUpSlug+"/questions"), "podium_participant")
	if res := h.postPage(form, url.Values{"vote": {"add"}}, visit); res.StatusCode != http.StatusSeeOther {
		t.Errorf("vote after a visit: %d", res.StatusCode)
	}
	h.pool.Get(&votes, `SELECT votes FROM questions WHERE id = $1`, id)
	if votes != 1 {
		t.Errorf("%d votes after one visitor voted, want 1", votes)
	}
}

// The vote limit counts a person's votes once, whether they came by form or by API: 60 a
// minute in all, then 429.
func TestVoteLimitCountsFormAndAPITogether(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	id := approvedQuestion(t, h)
	visit := cookie(h.getPage("/events/"+demo.FollowUpSlug+"/questions"), "podium_participant")
	api := fmt.Sprintf("/api/v1/events/%s/questions/%d/vote", demo.FollowUpSlug, id)
	form := fmt.Sprintf("/events/%s/questions/%d/vote", demo.FollowUpSlug, id)
	for i := range 60 {
		var status int
		if i%2 == 0 {
			status = h.postPage(form, url.Values{"vote": {"add"}}, visit).StatusCode
		} else {
			req := httptest.NewRequest("POST", api, nil)
			status = h.send(req, visit).StatusCode
		}
		if status != http.StatusSeeOther && status != http.StatusOK {
			t.Fatalf("vote %d: %d", i+1, status)
		}
	}
	if res := h.send(httptest.NewRequest("POST", api, nil), visit); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("vote 61 by API: %d, want 429", res.StatusCode)
	}
	if res := h.postPage(form, url.Values{"vote": {"remove"}}, visit); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("vote 62 by form: %d, want 429", res.StatusCode)
	}
}

// approvedQuestion stores an approved question of the demo follow-up and returns its id.
func approvedQuestion(t *testing.T, h *harness) int64 {
	t.Helper()
	var id int64
	err := h.pool.Get(&id, `INSERT INTO questions (event_id, text, participant, status)
		SELECT id, 'Wie fangen wir an?', 'someone', 'approved' FROM events WHERE slug = $1 RETURNING id`, demo.FollowUpSlug)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// People arriving at the questions page within a second get the page rendered once; after that
// second the next newcomer sees the questions' changes, and a change of the event at once.
func TestNewcomersShareOnePageThatFollowsChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	_, admin := h.user("admin@example.org", auth.RoleAdmin)
	page := "/events/" + demo.FollowUpSlug + "/questions"
	first, second := h.getPage(page), h.getPage(page)
	a, b := body(first), body(second)
	if first.StatusCode != http.StatusOK || a != b {
		t.Fatalf("two newcomers got different pages (%d)", first.StatusCode)
	}
	if cookie(first, "podium_participant") == nil || cookie(second, "podium_participant") == nil {
		t.Fatal("a newcomer did not get a participant cookie")
	}

	rec := h.do("POST", "/api/v1/events/"+demo.FollowUpSlug+"/questions", "", `{"text":"Gibt es Fördermittel?"}`)
	var asked struct{ ID int64 }
	json.Unmarshal(rec.Body.Bytes(), &asked)
	if rec := h.do("PATCH", fmt.Sprintf("/api/v1/events/%s/questions/%d", demo.FollowUpSlug, asked.ID), admin, `{"status":"approved"}`); rec.Code != http.StatusOK {
		t.Fatalf("approve: %d", rec.Code)
	}
	if got := body(h.getPage(page)); got != a {
		t.Error("a newcomer within the second got a page of their own")
	}
	h.now = h.now.Add(time.Second)
	if got := body(h.getPage(page)); !strings.Contains(got, "Gibt es Fördermittel?") {
		t.Error("a newcomer a second after the approval does not see the question")
	}
	if got := body(h.getPage(page, cookie(first, "podium_participant"))); !strings.Contains(got, "Gibt es Fördermittel?") {
		t.Error("a returning person does not see the question")
	}
	if rec := h.do("PATCH", "/api/v1/events/"+demo.FollowUpSlug, admin, `{"title":"Vom Typ zur Tat, neu betitelt"}`); rec.Code != http.StatusOK {
		t.Fatalf("rename: %d %s", rec.Code, rec.Body)
	}
	if got := body(h.getPage(page)); !strings.Contains(got, "Vom Typ zur Tat, neu betitelt") {
		t.Error("a newcomer after the renaming sees the old title")
	}
}
