package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/demo"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/web"
)

// liveServer is a real HTTP server on the database, listening for question changes like a
// `podium serve` process.
func liveServer(t *testing.T, pool *sqlx.DB, databaseURL string) *httptest.Server {
	t.Helper()
	return liveServerWith(t, pool, databaseURL, func(*config.Config) {})
}

// liveServerBehindProxy believes X-Forwarded-For from loopback, so one test can be many
// client addresses, and limits per address as in production.
func liveServerBehindProxy(t *testing.T, pool *sqlx.DB, databaseURL string) *httptest.Server {
	t.Helper()
	return liveServerWith(t, pool, databaseURL, func(c *config.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		c.RateLimits = true
	})
}

func liveServerWith(t *testing.T, pool *sqlx.DB, databaseURL string, configure func(*config.Config)) *httptest.Server {
	t.Helper()
	return liveServerAt(t, pool, databaseURL, configure, time.Now)
}

// liveServerAt is liveServerWith on the clock now, for tests that move time.
func liveServerAt(t *testing.T, pool *sqlx.DB, databaseURL string, configure func(*config.Config), now func() time.Time) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	base, _ := url.Parse("http://" + ts.Listener.Addr().String())
	cfg := &config.Config{DatabaseURL: databaseURL, BaseURL: base, RetentionDays: 180, ConfirmWithin: 48 * time.Hour, Secret: harnessSecret,
		JoinOpensBefore: config.DefaultJoinOpensBefore,
		DBMaxConns:      16}
	configure(cfg)
	srv, err := web.New(pool, cfg, slog.New(slog.DiscardHandler), now)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Listen(ctx); err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-srv.Listening():
	case <-time.After(5 * time.Second):
		t.Fatal("the server does not listen")
	}
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		stop()
		<-done
	})
	return ts
}

// participant is a browser: its cookie jar will hold the participant cookie once it visits.
func participant(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// visitor is a participant who opened the event's questions (listURL, the API list), which
// gives them the participant cookie a vote needs.
func visitor(t *testing.T, listURL string) *http.Client {
	t.Helper()
	c := participant(t)
	if status, _ := call(t, c, "GET", listURL, "", ""); status != http.StatusOK {
		t.Fatalf("visit %s: %d", listURL, status)
	}
	return c
}

func call(t *testing.T, client *http.Client, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// sseEvent is one Server-Sent Event as a browser's EventSource sees it. ID is the stream's last
// event id once the event is dispatched: the batch it came in may set it only later.
type sseEvent struct {
	ID, Name string
	Data     map[string]any
}

// sseStream is an open stream: its events, and the id a reconnecting browser would send.
type sseStream struct {
	events chan sseEvent
	body   io.Closer
	mu     sync.Mutex
	lastID string
}

// close drops the connection, as a browser losing the network does.
func (s *sseStream) close() { s.body.Close() }

// LastID is what EventSource would send as Last-Event-ID if the stream broke now.
func (s *sseStream) LastID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastID
}

// stream opens an EventSource-like connection and delivers its events.
func stream(t *testing.T, client *http.Client, url, token, lastEventID string) *sseStream {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	return streamRequest(t, client, req, lastEventID)
}

// streamFrom opens a stream as a client behind a proxy at addr (the server trusts loopback
// proxies, see liveServerBehindProxy).
func streamFrom(t *testing.T, client *http.Client, url, addr string) *sseStream {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Forwarded-For", addr)
	return streamRequest(t, client, req, "")
}

func streamRequest(t *testing.T, client *http.Client, req *http.Request, lastEventID string) *sseStream {
	t.Helper()
	streaming := *client
	streaming.Timeout = 0
	res, err := streaming.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	s := &sseStream{events: make(chan sseEvent, 1000), lastID: lastEventID, body: res.Body}
	t.Cleanup(s.close)
	go func() {
		defer close(s.events)
		s.read(res.Body)
	}()
	return s
}

// read parses the stream as the HTML standard says: fields until an empty line, where the
// event is dispatched and the last event id takes the value of the last id field seen.
func (s *sseStream) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Name != "" {
				s.mu.Lock()
				ev.ID = s.lastID
				s.mu.Unlock()
				s.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			s.mu.Lock()
			s.lastID = line[4:]
			s.mu.Unlock()
		case strings.HasPrefix(line, "event: "):
			ev.Name = line[7:]
		case strings.HasPrefix(line, "data: "):
			json.Unmarshal([]byte(line[6:]), &ev.Data)
		}
	}
}

func next(t *testing.T, s *sseStream, within time.Duration) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(within):
		t.Fatalf("no event within %s", within)
	}
	return sseEvent{}
}

// moderatedEvent loads the demo and returns the follow-up's questions URL below base and a
// moderator's token for it.
func moderatedEvent(t *testing.T, pool *sqlx.DB) (path, moderator string) {
	t.Helper()
	ctx := context.Background()
	if err := demo.Load(ctx, pool, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	e, err := event.BySlug(ctx, pool, demo.FollowUpSlug)
	if err != nil || !e.Moderation {
		t.Fatalf("demo follow-up: %v, moderation %v", err, e != nil && e.Moderation)
	}
	u, err := auth.CreateUser(ctx, pool, auth.NewUser{Email: "moderation@example.org", Name: "Moderation", Role: auth.RoleMember})
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.SetEventRole(ctx, pool, e.ID, u.ID, auth.EventModerator); err != nil {
		t.Fatal(err)
	}
	token, _, err := auth.CreateToken(ctx, pool, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return "/api/v1/events/" + demo.FollowUpSlug + "/questions", token
}

// Two processes on one database: a question asked on the first waits for moderation, the
// audience streaming from the second does not see it, and sees it within a second of its
// approval on the first; the moderator's stream sees it at once.
func TestApprovalReachesAnotherProcessWithinASecond(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	path, moderator := moderatedEvent(t, pool)
	first, second := liveServer(t, pool, dbURL), liveServer(t, pool, dbURL)

	audience := stream(t, participant(t), second.URL+path+"/stream", "", "")
	moderation := stream(t, participant(t), second.URL+path+"/stream", moderator, "")
	asker := participant(t)
	status, body := call(t, asker, "POST", first.URL+path, "", `{"text":"Wie misst man den Kommunentyp?","author_name":"Erika"}`)
	if status != http.StatusCreated || body["status"] != "pending" {
		t.Fatalf("ask: %d %v", status, body)
	}
	id := int64(body["id"].(float64))
	if ev := next(t, moderation, 2*time.Second); ev.Name != "question.created" || ev.Data["status"] != "pending" {
		t.Errorf("moderator stream: %+v", ev)
	}
	if status, list := call(t, participant(t), "GET", first.URL+path, "", ""); status != http.StatusOK || len(list["items"].([]any)) != 0 {
		t.Errorf("the audience list shows a pending question: %v", list)
	}
	if _, list := call(t, asker, "GET", first.URL+path, "", ""); len(list["items"].([]any)) != 1 {
		t.Errorf("the asker does not see their own pending question: %v", list)
	}

	approved := time.Now()
	if status, body := call(t, participant(t), "PATCH", fmt.Sprintf("%s%s/%d", first.URL, path, id), moderator, `{"status":"approved"}`); status != http.StatusOK {
		t.Fatalf("approve: %d %v", status, body)
	}
	ev := next(t, audience, time.Second)
	took := time.Since(approved)
	if ev.Name != "question.updated" || ev.Data["status"] != "approved" || ev.Data["text"] != "Wie misst man den Kommunentyp?" {
		t.Errorf("audience stream: %+v", ev)
	}
	t.Logf("approval on one process reached a stream on the other in %s", took)

	// A client that reconnects with the last id it saw gets what it missed, and nothing twice.
	call(t, participant(t), "PATCH", fmt.Sprintf("%s%s/%d", first.URL, path, id), moderator, `{"answered":true}`)
	again := stream(t, participant(t), second.URL+path+"/stream", "", audience.LastID())
	if ev := next(t, again, time.Second); ev.Name != "question.updated" || ev.Data["answered"] != true {
		t.Errorf("catching up: %+v", ev)
	}
}

// One vote per participant: voting again changes nothing, taking it back removes it, and
// only approved questions can be voted for.
func TestOneVotePerParticipant(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	path, moderator := moderatedEvent(t, pool)
	srv := liveServer(t, pool, dbURL)
	_, body := call(t, participant(t), "POST", srv.URL+path, "", `{"text":"Was kostet das?"}`)
	q := fmt.Sprintf("%s%s/%v", srv.URL, path, body["id"])
	if status, _ := call(t, visitor(t, srv.URL+path), "POST", q+"/vote", "", ""); status != http.StatusNotFound {
		t.Errorf("vote for a pending question: %d", status)
	}
	call(t, participant(t), "PATCH", q, moderator, `{"status":"approved"}`)

	anna, ben := visitor(t, srv.URL+path), visitor(t, srv.URL+path)
	for _, want := range []struct {
		who    *http.Client
		method string
		votes  float64
	}{{anna, "POST", 1}, {anna, "POST", 1}, {ben, "POST", 2}, {anna, "DELETE", 1}, {anna, "DELETE", 1}} {
		status, got := call(t, want.who, want.method, q+"/vote", "", "")
		if status != http.StatusOK || got["votes"] != want.votes {
			t.Errorf("%s vote: %d, votes %v, want %v", want.method, status, got["votes"], want.votes)
		}
	}
}

// Only one question is highlighted, however many moderators press the button at once.
func TestOneHighlightUnderConcurrency(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	path, moderator := moderatedEvent(t, pool)
	srv := liveServer(t, pool, dbURL)
	var ids []any
	for i := range 12 {
		_, body := call(t, participant(t), "POST", srv.URL+path, "", fmt.Sprintf(`{"text":"Frage %d"}`, i))
		ids = append(ids, body["id"])
		call(t, participant(t), "PATCH", fmt.Sprintf("%s%s/%v", srv.URL, path, body["id"]), moderator, `{"status":"approved"}`)
	}
	var wg sync.WaitGroup
	codes := make([]int, len(ids))
	for i, id := range ids {
		wg.Go(func() {
			codes[i], _ = call(t, participant(t), "PATCH", fmt.Sprintf("%s%s/%v", srv.URL, path, id), moderator, `{"highlighted":true}`)
		})
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusOK {
			t.Errorf("highlight %d: %d", i, code)
		}
	}
	var n int
	pool.Get(&n, `SELECT count(*) FROM questions WHERE highlighted`)
	if n != 1 {
		t.Errorf("%d highlighted questions, want 1", n)
	}
}

// A moderator of one event cannot moderate another; the audience cannot moderate at all.
func TestModeratorOfAnotherEvent(t *testing.T) {
	t.Parallel()
	pool, dbURL := dbtest.NewWithURL(t)
	path, moderator := moderatedEvent(t, pool)
	srv := liveServer(t, pool, dbURL)
	other := "/api/v1/events/" + demo.WebsessionSlug + "/questions"
	var id int64
	pool.Get(&id, `INSERT INTO questions (event_id, text, participant, status)
		SELECT id, 'Frage', 'p', 'pending' FROM events WHERE slug = $1 RETURNING id`, demo.WebsessionSlug)

	if status, _ := call(t, participant(t), "PATCH", fmt.Sprintf("%s%s/%d", srv.URL, other, id), moderator, `{"status":"approved"}`); status != http.StatusForbidden {
		t.Errorf("moderator of another event: %d, want 403", status)
	}
	if status, _ := call(t, participant(t), "PATCH", fmt.Sprintf("%s%s/%d", srv.URL, other, id), "", `{"status":"approved"}`); status != http.StatusUnauthorized {
		t.Errorf("no credentials: %d, want 401", status)
	}
	if status, _ := call(t, participant(t), "GET", srv.URL+other+"?status=pending", moderator, ""); status != http.StatusForbidden {
		t.Errorf("pending list of another event: %d, want 403", status)
	}
	if status, _ := call(t, participant(t), "GET", srv.URL+path+"?status=pending", moderator, ""); status != http.StatusOK {
		t.Errorf("pending list of their own event: %d", status)
	}
}

// Questions are 1 to 500 characters after trimming; 501 is refused naming the field, and
// nothing is stored.
func TestQuestionLength(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	loadDemo(t, h)
	path := "/api/v1/events/" + demo.FollowUpSlug + "/questions"
	ok := strings.Repeat("ä", 500)
	if rec := h.do("POST", path, "", `{"text":"  `+ok+`\n "}`); rec.Code != http.StatusCreated {
		t.Errorf("500 characters: %d %s", rec.Code, rec.Body)
	}
	for _, text := range []string{strings.Repeat("ä", 501), "   ", ""} {
		p := expectProblem(t, h.do("POST", path, "", `{"text":"`+text+`"}`), http.StatusUnprocessableEntity)
		if !p.names("text") {
			t.Errorf("%d characters: problem %+v", len([]rune(text)), p)
		}
	}
	p := expectProblem(t, h.do("POST", path, "", `{"text":"Frage","author_name":"`+strings.Repeat("x", 101)+`"}`), http.StatusUnprocessableEntity)
	if !p.names("author_name") {
		t.Errorf("long name: %+v", p)
	}
	var n int
	h.pool.Get(&n, `SELECT count(*) FROM questions`)
	if n != 1 {
		t.Errorf("%d questions stored, want 1", n)
	}
}
