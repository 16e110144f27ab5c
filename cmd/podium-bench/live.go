package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// liveAudiences runs liveAudience for each "pages:votes-per-second" of sizes. The targets: 1,000
// pages at 10 votes/s current within 1 s at the 99th percentile, 5,000 pages at 20 votes/s
// within 2 s.
func (b *bench) liveAudiences(ctx context.Context, s *server, sizes string) error {
	for _, size := range strings.Split(sizes, ",") {
		pages, rate, ok := strings.Cut(strings.TrimSpace(size), ":")
		p, err1 := strconv.Atoi(pages)
		r, err2 := strconv.Atoi(rate)
		if !ok || err1 != nil || err2 != nil || p < 1 || r < 1 {
			return fmt.Errorf("-live: %q is not pages:votes-per-second", size)
		}
		target := time.Second
		if p > 1000 {
			target = 2 * time.Second
		}
		if err := b.liveAudience(ctx, s, p, r, target); err != nil {
			return err
		}
	}
	return nil
}

// liveAudience is the websession's audience as browsers make it: pages open the questions
// page and hold its stream, doing on each change what live.js does (apply it to what the page
// shows; load the list again only when told to), while voters arrive as new participants at
// a steady rate: each opens the page (which sets the cookie a vote needs), then votes. For
// every vote it measures the time until every open page shows it.
func (b *bench) liveAudience(ctx context.Context, s *server, pages, rate int, target time.Duration) error {
	name := fmt.Sprintf("5 live audience, %d pages, %d votes/s", pages, rate)
	r, err := b.liveAudienceOnce(ctx, s, pages, rate)
	if err != nil {
		b.add(result{Scenario: name, Note: "not measured: " + err.Error()})
		return nil
	}
	cpuTarget := ""
	ok := r.failures == 0 && r.p99 < target
	if pages == 1000 {
		cpuTarget = ", < 5 ms CPU per vote"
		ok = ok && r.cpuPerVote < 5*time.Millisecond
	}
	b.add(result{Scenario: name, Value: float64(r.p99.Microseconds()) / 1000, Unit: "ms p99",
		Target: fmt.Sprintf("p99 < %s%s, 0 failures", target, cpuTarget), Met: met(ok),
		Note: fmt.Sprintf("vote → every screen current: p50 %s, max %s; server CPU %s per vote; %.2f page loads and %.1f database transactions per vote (median second); %.1f KiB live server memory per page; %d votes, %d failures, %d reconnects",
			ms(r.p50), ms(r.max), ms(r.cpuPerVote), r.loadsPerVote, r.xactsPerVote, r.memPerPage/1024, r.votes, r.failures, r.reconnects)})
	return nil
}

type liveResult struct {
	p50, p99, max, cpuPerVote  time.Duration
	loadsPerVote, xactsPerVote float64
	memPerPage                 float64
	votes, failures            int
	reconnects                 int64
}

// castVote is one vote as the voter saw it: the count it left and when it was sent.
type castVote struct {
	question int64
	votes    int32
	at       time.Time
}

func (b *bench) liveAudienceOnce(ctx context.Context, s *server, pages, rate int) (liveResult, error) {
	e, err := newEvent(ctx, s, "Bench Publikum", nil, false)
	if err != nil {
		return liveResult{}, err
	}
	pageURL := s.url + "/events/" + e.Slug + "/questions"
	apiURL := s.url + "/api/v1/events/" + e.Slug + "/questions"
	asker := newClient(1)
	for i := range 20 {
		if err := post(asker, apiURL, fmt.Sprintf(`{"text":"Frage %d: Welcher Kommunentyp passt zu uns?"}`, i+1), http.StatusCreated); err != nil {
			return liveResult{}, err
		}
	}
	var questions []int64
	if err := s.pool.Select(&questions, `SELECT id FROM questions WHERE event_id = $1 ORDER BY id`, e.ID); err != nil {
		return liveResult{}, err
	}

	live, stop := context.WithCancel(ctx)
	defer stop()
	aud := &audience{pageURL: pageURL, apiURL: apiURL, ctx: live,
		loader: newClient(64), streams: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: -1, DisableCompression: true}}}
	before, err := s.liveMemory()
	if err != nil {
		return liveResult{}, err
	}
	var opened sync.WaitGroup
	aud.pages = make([]*livePage, pages)
	sem := make(chan struct{}, 64)
	for i := range aud.pages {
		p := &livePage{shown: map[int64][]update{}}
		aud.pages[i] = p
		opened.Add(1)
		sem <- struct{}{}
		go func() {
			aud.run(p, func() { <-sem; opened.Done() })
		}()
	}
	opened.Wait()
	time.Sleep(500 * time.Millisecond) // the last streams have subscribed
	after, err := s.liveMemory()
	if err != nil {
		return liveResult{}, err
	}
	memPerPage := float64(after-before) / float64(pages)
	if n := aud.setupFailures.Load(); n > 0 {
		return liveResult{}, fmt.Errorf("%d of %d pages did not open", n, pages)
	}

	xacts := sampleTransactions(live, s)
	cpuBefore := cpuTime(s.cmd.Process.Pid)
	loadsBefore := aud.loads.Load()
	var (
		mu          sync.Mutex
		votes       []castVote
		voteErrors  atomic.Int64
		voters      sync.WaitGroup
		voterClient = newClient(256)
	)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	end := time.Now().Add(b.liveDuration)
	for time.Now().Before(end) {
		<-tick.C
		voters.Go(func() {
			v, err := aud.vote(voterClient, pickQuestion(questions))
			if err != nil {
				voteErrors.Add(1)
				return
			}
			mu.Lock()
			votes = append(votes, v)
			mu.Unlock()
		})
	}
	tick.Stop()
	voters.Wait()
	xactsPerSecond := <-xacts

	// Wait until every page shows the database's counts, or give up after 30 s.
	want := map[int64]int32{}
	rows, err := s.pool.Query(`SELECT id, votes FROM questions WHERE event_id = $1`, e.ID)
	if err != nil {
		return liveResult{}, err
	}
	for rows.Next() {
		var id int64
		var n int32
		rows.Scan(&id, &n)
		want[id] = n
	}
	rows.Close()
	behind := aud.behind(want)
	for deadline := time.Now().Add(30 * time.Second); behind > 0 && time.Now().Before(deadline); behind = aud.behind(want) {
		time.Sleep(50 * time.Millisecond)
	}
	cpu := cpuTime(s.cmd.Process.Pid) - cpuBefore
	loads := aud.loads.Load() - loadsBefore
	stop()

	if len(votes) == 0 {
		return liveResult{}, errors.New("no vote succeeded")
	}
	// For each vote, the time until the last page showed it (or a count past it).
	var latest []time.Duration
	notCurrent := 0
	for _, v := range votes {
		var worst time.Duration
		for _, p := range aud.pages {
			at, ok := p.showedAt(v.question, v.votes)
			if !ok {
				notCurrent++
				worst = time.Hour
				break
			}
			worst = max(worst, at.Sub(v.at))
		}
		latest = append(latest, worst)
	}
	slices.Sort(latest)
	at := func(q float64) time.Duration { return latest[min(int(float64(len(latest))*q), len(latest)-1)] }
	n := float64(len(votes))
	return liveResult{
		p50: at(.5), p99: at(.99), max: latest[len(latest)-1],
		cpuPerVote:   cpu / time.Duration(len(votes)),
		loadsPerVote: float64(loads) / n, xactsPerVote: xactsPerSecond / float64(rate),
		memPerPage: memPerPage, votes: len(votes),
		failures:   int(voteErrors.Load()+aud.streamFailures.Load()) + notCurrent + behind,
		reconnects: aud.reconnects.Load(),
	}, nil
}

// pickQuestion chooses as an audience does: a few questions get most of the votes.
func pickQuestion(ids []int64) int64 {
	for {
		i := int(rand.ExpFloat64() * 3)
		if i < len(ids) {
			return ids[i]
		}
	}
}

// audience holds the open pages of one run.
type audience struct {
	pageURL, apiURL string
	ctx             context.Context
	loader          *http.Client
	streams         *http.Client
	pages           []*livePage

	loads, reconnects             atomic.Int64
	setupFailures, streamFailures atomic.Int64
}

// update is a count a page showed, and when.
type update struct {
	at    time.Time
	votes int32
}

// livePage is what one open page shows of each question, with the history of its counts.
type livePage struct {
	mu     sync.Mutex
	shown  map[int64][]update
	lastID string
}

func (p *livePage) show(id int64, votes int32) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := p.shown[id]
	if len(h) == 0 || h[len(h)-1].votes != votes {
		p.shown[id] = append(h, update{at: time.Now(), votes: votes})
	}
}

func (p *livePage) remove(id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.shown, id)
}

// showedAt is when the page first showed at least votes for the question.
func (p *livePage) showedAt(id int64, votes int32) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.shown[id] {
		if u.votes >= votes {
			return u.at, true
		}
	}
	return time.Time{}, false
}

func (a *audience) behind(want map[int64]int32) int {
	n := 0
	for _, p := range a.pages {
		p.mu.Lock()
		for id, votes := range want {
			h := p.shown[id]
			if len(h) == 0 || h[len(h)-1].votes != votes {
				n++
				break
			}
		}
		p.mu.Unlock()
	}
	return n
}

var (
	streamAttr = regexp.MustCompile(`data-live-stream="([^"]+)"`)
	shownAttr  = regexp.MustCompile(`data-question="(\d+)" data-status="approved" data-votes="(\d+)"`)
)

// run opens the page as a browser does and then keeps its stream, reconnecting with
// Last-Event-ID as EventSource does, until the run ends.
func (a *audience) run(p *livePage, opened func()) {
	html, cookie, err := a.load(a.loader, a.pageURL, "")
	if err != nil {
		a.setupFailures.Add(1)
		opened()
		return
	}
	for _, m := range shownAttr.FindAllStringSubmatch(html, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		votes, _ := strconv.Atoi(m[2])
		p.show(id, int32(votes))
	}
	m := streamAttr.FindStringSubmatch(html)
	if m == nil {
		a.setupFailures.Add(1)
		opened()
		return
	}
	streamURL := strings.SplitN(a.pageURL, "/events/", 2)[0] + strings.ReplaceAll(m[1], "&amp;", "&")
	first := true
	for a.ctx.Err() == nil {
		err := a.follow(p, streamURL, cookie, func() {
			if first {
				first = false
				opened()
			}
		})
		if a.ctx.Err() != nil {
			break
		}
		if first {
			first = false
			a.setupFailures.Add(1)
			opened()
			return
		}
		if err != nil {
			a.streamFailures.Add(1)
		}
		a.reconnects.Add(1)
		select {
		case <-a.ctx.Done():
		case <-time.After(2 * time.Second): // the retry the server asks for
		}
	}
}

// follow reads one connection of the stream, applying each change as live.js does.
func (a *audience) follow(p *livePage, url, cookie string, connected func()) error {
	req, _ := http.NewRequestWithContext(a.ctx, "GET", url, nil)
	req.Header.Set("Cookie", cookie)
	if p.lastID != "" {
		req.Header.Set("Last-Event-ID", p.lastID)
	}
	res, err := a.streams.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("stream: %d", res.StatusCode)
	}
	connected()
	r := bufio.NewReaderSize(res.Body, 4096)
	var name string
	var data []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			if a.ctx.Err() != nil || errors.Is(err, io.EOF) {
				return nil // the server ended the stream (fell behind, or shut down)
			}
			return err
		}
		line = bytes.TrimRight(line, "\n")
		switch {
		case len(line) == 0:
			a.dispatch(p, cookie, name, data)
			name, data = "", nil
		case bytes.HasPrefix(line, []byte("event: ")):
			name = string(line[7:])
		case bytes.HasPrefix(line, []byte("data: ")):
			data = append(data[:0], line[6:]...)
		case bytes.HasPrefix(line, []byte("id: ")):
			p.lastID = string(line[4:])
		}
	}
}

// streamedQuestion is what a page reads of a change.
type streamedQuestion struct {
	ID     int64  `json:"id"`
	Votes  int32  `json:"votes"`
	Status string `json:"status"`
}

func (a *audience) dispatch(p *livePage, cookie, name string, data []byte) {
	switch name {
	case "question.created", "question.updated":
		var q streamedQuestion
		if json.Unmarshal(data, &q) == nil && q.Status == "approved" {
			p.show(q.ID, q.Votes)
		}
	case "question.deleted":
		var q streamedQuestion
		if json.Unmarshal(data, &q) == nil {
			p.remove(q.ID)
		}
	case "questions.reset":
		raw, _, err := a.load(a.loader, a.apiURL, cookie)
		var list struct{ Items []streamedQuestion }
		if err == nil && json.Unmarshal([]byte(raw), &list) == nil {
			for _, q := range list.Items {
				p.show(q.ID, q.Votes)
			}
		}
	}
}

// load fetches a page or list with the cookie (or none) and returns its body and the cookie the
// server set or kept.
func (a *audience) load(client *http.Client, url, cookie string) (string, string, error) {
	a.loads.Add(1)
	req, _ := http.NewRequestWithContext(a.ctx, "GET", url, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := client.Do(req)
	if err != nil {
		return "", "", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("GET %s: %d %v", url, res.StatusCode, err)
	}
	for _, c := range res.Cookies() {
		if c.Name == "podium_participant" {
			cookie = c.Name + "=" + c.Value
		}
	}
	return string(raw), cookie, nil
}

// vote is a new participant: open the page, then vote for the question.
func (a *audience) vote(client *http.Client, question int64) (castVote, error) {
	_, cookie, err := a.load(client, a.pageURL, "")
	if err != nil {
		return castVote{}, err
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/%d/vote", a.apiURL, question), nil)
	req.Header.Set("Cookie", cookie)
	sent := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return castVote{}, err
	}
	defer res.Body.Close()
	var q streamedQuestion
	if err := json.NewDecoder(res.Body).Decode(&q); err != nil || res.StatusCode != http.StatusOK {
		return castVote{}, fmt.Errorf("vote: %d %v", res.StatusCode, err)
	}
	return castVote{question: question, votes: q.Votes, at: sent}, nil
}

// cpuTime is the CPU time a process has used, user and system, from /proc.
func cpuTime(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; the fields after it are fixed.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const ticksPerSecond = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticksPerSecond
}

// transactions is the number of transactions the database has committed so far.
func transactions(s *server) (int64, error) {
	var n int64
	err := s.pool.Get(&n, `SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()`)
	return n, err
}

// sampleTransactions counts the database's transactions second by second until the voters are
// done (ctx's voting ends when the caller reads the channel), and sends the median per second.
// Not the difference over the whole run: a connection that was busy in an earlier scenario may
// publish its statistics tens of seconds later, all at once (a full run once counted 3,900
// transactions within one second in which PostgreSQL used no CPU), and the median leaves such a
// second out.
func sampleTransactions(ctx context.Context, s *server) <-chan float64 {
	out := make(chan float64)
	go func() {
		var perSecond []float64
		last, err := transactions(s)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case out <- median(perSecond):
				return
			case <-tick.C:
				n, err2 := transactions(s)
				if err == nil && err2 == nil {
					perSecond = append(perSecond, float64(n-last))
				}
				last, err = n, err2
			}
		}
	}()
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// shutdown: with n streams open, SIGTERM must end every stream at once and the process exit 0
// within 2 s (browsers reconnect to another process). It ends the server, so it runs last.
func (b *bench) shutdown(ctx context.Context, s *server, n int) error {
	name := fmt.Sprintf("6 shutdown with %d streams open", n)
	e, err := newEvent(ctx, s, "Bench Ende", nil, false)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: -1}}
	ended := make(chan time.Time, n)
	var opened sync.WaitGroup
	var failed atomic.Int64
	for range n {
		opened.Add(1)
		go func() {
			res, err := client.Get(s.url + "/api/v1/events/" + e.Slug + "/questions/stream")
			if err != nil || res.StatusCode != http.StatusOK {
				failed.Add(1)
				opened.Done()
				return
			}
			defer res.Body.Close()
			r := bufio.NewReader(res.Body)
			r.ReadString('\n')
			opened.Done()
			io.Copy(io.Discard, r)
			ended <- time.Now()
		}()
	}
	opened.Wait()
	if failed.Load() > 0 {
		b.add(result{Scenario: name, Note: fmt.Sprintf("not measured: %d streams did not open", failed.Load())})
		return nil
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	var took time.Duration
	select {
	case <-s.exited:
		took = time.Since(start)
	case <-time.After(30 * time.Second):
		b.add(result{Scenario: name, Note: "still running 30 s after SIGTERM"})
		return nil
	}
	last := start
	for range n - int(failed.Load()) {
		select {
		case t := <-ended:
			if t.After(last) {
				last = t
			}
		case <-time.After(5 * time.Second):
		}
	}
	code := "exit 0"
	if s.exit != nil {
		code = s.exit.Error()
	}
	b.add(result{Scenario: name, Value: float64(took.Microseconds()) / 1000, Unit: "ms to exit", Target: "exit 0 within 2 s",
		Met:  met(s.exit == nil && took < 2*time.Second),
		Note: fmt.Sprintf("%s; every stream ended %s after SIGTERM", code, ms(last.Sub(start)))})
	return nil
}
