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
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/podium-events/podium/internal/poll"
)

// polls: the websession's audience answers the Kommunentyp poll. Every participant opens the
// questions page (which sets the cookie and holds the event stream, applying poll.results as
// polls.js does), then answers once at a random moment within the window. For each answer it
// measures the time until every open page shows a participant count that includes it; at the
// end every page's counts must equal the database's. The target: 5,000 participants within a
// minute, every screen current within 2 s at the 99th percentile.
func (b *bench) polls(ctx context.Context, s *server, people int, window time.Duration) error {
	name := fmt.Sprintf("8 poll, %d participants answering within %s", people, window)
	r, err := b.pollOnce(ctx, s, people, window)
	if err != nil {
		b.add(result{Scenario: name, Note: "not measured: " + err.Error()})
		return nil
	}
	b.add(result{Scenario: name, Value: float64(r.p99.Microseconds()) / 1000, Unit: "ms p99",
		Target: "p99 < 2s, counts exact, 0 failures", Met: met(r.p99 < 2*time.Second && r.exact && r.failures == 0),
		Note: fmt.Sprintf("answer → every screen current: p50 %s, max %s; server CPU %s per answer; %d answers, %d failures, %d reconnects; counts on every page = database: %v (%s)",
			ms(r.p50), ms(r.max), ms(r.cpuPerAnswer), r.answers, r.failures, r.reconnects, r.exact, r.counts)})
	return nil
}

type pollResult struct {
	p50, p99, max, cpuPerAnswer time.Duration
	answers, failures           int
	reconnects                  int64
	exact                       bool
	counts                      string
}

// pollScreen is one open page: the participant counts and option counts it showed, and when.
type pollScreen struct {
	mu     sync.Mutex
	shown  []update // participants over time
	counts []int    // the options' counts of the last results
	lastID string
	cookie string
}

func (p *pollScreen) show(participants int32, counts []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.shown) == 0 || p.shown[len(p.shown)-1].votes != participants {
		p.shown = append(p.shown, update{at: time.Now(), votes: participants})
	}
	p.counts = counts
}

// showedAt is when the page first showed at least n participants.
func (p *pollScreen) showedAt(n int32) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i, _ := slices.BinarySearchFunc(p.shown, n, func(u update, n int32) int { return int(u.votes - n) })
	if i == len(p.shown) {
		return time.Time{}, false
	}
	return p.shown[i].at, true
}

var pollCountsAttr = regexp.MustCompile(`data-live-stream="([^"]+)"`)

func (b *bench) pollOnce(ctx context.Context, s *server, people int, window time.Duration) (pollResult, error) {
	e, err := newEvent(ctx, s, "Bench Umfrage", nil, false)
	if err != nil {
		return pollResult{}, err
	}
	p, err := poll.Create(ctx, s.pool, e.ID, poll.Input{Kind: poll.KindSingle, Question: "Welcher Kommunentyp ist Ihre Kommune?",
		Options: []string{"Die Bedächtigen", "Die Optimierer", "Die Serviceorientierten", "Die Community Manager"}})
	if err != nil {
		return pollResult{}, err
	}
	open, visible := poll.StateOpen, true
	if _, err := poll.Update(ctx, s.pool, e.ID, p.ID, poll.Change{State: &open, ResultsVisible: &visible}); err != nil {
		return pollResult{}, err
	}
	pageURL := s.url + "/events/" + e.Slug + "/questions"
	answerURL := fmt.Sprintf("%s/api/v1/events/%s/polls/%d/answer", s.url, e.Slug, p.ID)
	live, stop := context.WithCancel(ctx)
	defer stop()
	aud := &audience{pageURL: pageURL, ctx: live, loader: newClient(64),
		streams: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: -1, DisableCompression: true}}}
	screens := make([]*pollScreen, people)
	var opened sync.WaitGroup
	sem := make(chan struct{}, 64)
	var setupFailures, streamFailures, reconnects atomic.Int64
	for i := range screens {
		sc := &pollScreen{}
		screens[i] = sc
		opened.Add(1)
		sem <- struct{}{}
		go func() {
			followPoll(aud, sc, func() { <-sem; opened.Done() }, &setupFailures, &streamFailures, &reconnects)
		}()
	}
	opened.Wait()
	if n := setupFailures.Load(); n > 0 {
		return pollResult{}, fmt.Errorf("%d of %d pages did not open", n, people)
	}
	time.Sleep(500 * time.Millisecond)

	// The database's count, sampled every 20 ms: an answer is in every count read after its
	// response arrived, so a page showing that count shows it (answers are numbered in the
	// order they commit).
	type sample struct {
		at time.Time
		n  int32
	}
	var samplesMu sync.Mutex
	var samples []sample
	sampling, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for sampling.Err() == nil {
			var n int32
			if err := s.pool.GetContext(sampling, &n, `SELECT count(*) FROM poll_answers WHERE poll_id = $1`, p.ID); err == nil {
				samplesMu.Lock()
				samples = append(samples, sample{time.Now(), n})
				samplesMu.Unlock()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()

	cpuBefore := cpuTime(s.cmd.Process.Pid)
	type sent struct{ at, done time.Time }
	answers := make([]sent, 0, people)
	var mu sync.Mutex
	var failures atomic.Int64
	var wg sync.WaitGroup
	client := newClient(256)
	start := time.Now()
	for _, sc := range screens {
		wg.Go(func() {
			time.Sleep(time.Duration(rand.Int64N(int64(window))))
			body := fmt.Sprintf(`{"option": %d}`, pickOption())
			req, _ := http.NewRequest("POST", answerURL, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Cookie", sc.cookie)
			at := time.Now()
			res, err := client.Do(req)
			if err != nil {
				failures.Add(1)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				failures.Add(1)
				return
			}
			mu.Lock()
			answers = append(answers, sent{at: at, done: time.Now()})
			mu.Unlock()
		})
	}
	wg.Wait()
	took := time.Since(start)
	time.Sleep(100 * time.Millisecond)
	stopSampling()
	<-sampled

	// Wait until every page shows the database's final counts, or give up after 30 s.
	var want []int
	if err := s.pool.Select(&want, `SELECT count(a.poll_id) FROM generate_series(0, 3) AS o (i)
		LEFT JOIN poll_answers a ON a.poll_id = $1 AND a.choices[1] = o.i GROUP BY o.i ORDER BY o.i`, p.ID); err != nil {
		return pollResult{}, err
	}
	total := 0
	for _, n := range want {
		total += n
	}
	behind := func() int {
		n := 0
		for _, sc := range screens {
			sc.mu.Lock()
			if !slices.Equal(sc.counts, want) {
				n++
			}
			sc.mu.Unlock()
		}
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); behind() > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	cpu := cpuTime(s.cmd.Process.Pid) - cpuBefore
	stop()
	if len(answers) == 0 {
		return pollResult{}, errors.New("no answer succeeded")
	}
	var latest []time.Duration
	notCurrent := 0
	for _, a := range answers {
		i, _ := slices.BinarySearchFunc(samples, a.done, func(s sample, t time.Time) int { return s.at.Compare(t) })
		if i == len(samples) {
			i = len(samples) - 1
		}
		need := samples[i].n
		var worst time.Duration
		for _, sc := range screens {
			at, ok := sc.showedAt(need)
			if !ok {
				notCurrent++
				worst = time.Hour
				break
			}
			worst = max(worst, at.Sub(a.at))
		}
		latest = append(latest, worst)
	}
	slices.Sort(latest)
	q := func(f float64) time.Duration { return latest[min(int(float64(len(latest))*f), len(latest)-1)] }
	b.log.Info("poll answers sent", "answers", len(answers), "took", took)
	return pollResult{
		p50: q(.5), p99: q(.99), max: latest[len(latest)-1], cpuPerAnswer: cpu / time.Duration(len(answers)),
		answers: len(answers), failures: int(failures.Load()+streamFailures.Load()) + notCurrent,
		reconnects: reconnects.Load(), exact: behind() == 0 && total == len(answers),
		counts: fmt.Sprintf("%v of %d", want, total),
	}, nil
}

// pickOption chooses as the websession's audience might: every type, some more than others.
func pickOption() int {
	r := rand.Float64()
	switch {
	case r < .24:
		return 0
	case r < .58:
		return 1
	case r < .86:
		return 2
	}
	return 3
}

// followPoll opens the page as a browser does, keeps its stream and applies poll.results as
// polls.js does, reconnecting with Last-Event-ID, until the run ends.
func followPoll(a *audience, sc *pollScreen, opened func(), setupFailures, streamFailures, reconnects *atomic.Int64) {
	html, cookie, err := a.load(a.loader, a.pageURL, "")
	m := pollCountsAttr.FindStringSubmatch(html)
	if err != nil || m == nil {
		setupFailures.Add(1)
		opened()
		return
	}
	sc.cookie = cookie
	url := strings.SplitN(a.pageURL, "/events/", 2)[0] + strings.ReplaceAll(m[1], "&amp;", "&")
	first := true
	for a.ctx.Err() == nil {
		err := followPollStream(a, sc, url, func() {
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
			setupFailures.Add(1)
			opened()
			return
		}
		if err != nil {
			streamFailures.Add(1)
		}
		reconnects.Add(1)
		select {
		case <-a.ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
}

func followPollStream(a *audience, sc *pollScreen, url string, connected func()) error {
	req, _ := http.NewRequestWithContext(a.ctx, "GET", url, nil)
	req.Header.Set("Cookie", sc.cookie)
	if sc.lastID != "" {
		req.Header.Set("Last-Event-ID", sc.lastID)
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
				return nil
			}
			return err
		}
		line = bytes.TrimRight(line, "\n")
		switch {
		case len(line) == 0:
			if name == "poll.results" {
				var r struct {
					Participants int32 `json:"participants"`
					Options      []struct {
						Count int `json:"count"`
					} `json:"options"`
				}
				if json.Unmarshal(data, &r) == nil {
					counts := make([]int, len(r.Options))
					for i, o := range r.Options {
						counts[i] = o.Count
					}
					sc.show(r.Participants, counts)
				}
			}
			name, data = "", nil
		case bytes.HasPrefix(line, []byte("event: ")):
			name = string(line[7:])
		case bytes.HasPrefix(line, []byte("data: ")):
			data = append(data[:0], line[6:]...)
		case bytes.HasPrefix(line, []byte("id: ")):
			sc.lastID = string(line[4:])
		}
	}
}
