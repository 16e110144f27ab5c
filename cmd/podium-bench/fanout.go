package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/podium-events/podium/internal/auth"
)

// fanout: N audience streams on the one server process; the time from a moderator's approval
// until 50 %, 99 % and all of them have it, and the server's memory per open stream.
func (b *bench) fanout(ctx context.Context, s *server, sizes string) error {
	u, err := auth.CreateUser(ctx, s.pool, auth.NewUser{Email: "bench-" + randomHex(4) + "@example.org", Name: "Bench", Role: auth.RoleAdmin})
	if err != nil {
		return err
	}
	token, _, err := auth.CreateToken(ctx, s.pool, u.ID, "bench")
	if err != nil {
		return err
	}
	for _, field := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil || n < 1 {
			return fmt.Errorf("-fanout: %q is not a number of clients", field)
		}
		r, err := b.fanoutOnce(ctx, s, token, n)
		if err != nil {
			b.add(result{Scenario: fmt.Sprintf("3 live fan-out, %d streams", n), Unit: "", Note: "not measured: " + err.Error()})
			continue
		}
		b.add(r)
	}
	return nil
}

func (b *bench) fanoutOnce(ctx context.Context, s *server, token string, n int) (result, error) {
	e, err := newEvent(ctx, s, "Bench Fragen", nil, true)
	if err != nil {
		return result{}, err
	}
	base := s.url + "/api/v1/events/" + e.Slug + "/questions"
	if err := post(newClient(1), base, `{"text":"Wie geht es weiter?"}`, http.StatusCreated); err != nil {
		return result{}, err
	}
	var id int64
	if err := s.pool.Get(&id, `SELECT id FROM questions WHERE event_id = $1`, e.ID); err != nil {
		return result{}, err
	}

	before, err := s.liveMemory()
	if err != nil {
		return result{}, err
	}
	transport := &http.Transport{MaxIdleConnsPerHost: -1}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	streamCtx, closeStreams := context.WithCancel(ctx)
	defer closeStreams()
	received := make(chan time.Time, n)
	connected := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(streamCtx, "GET", base+"/stream", nil)
			res, err := client.Do(req)
			if err != nil {
				connected <- err
				return
			}
			defer res.Body.Close()
			connected <- nil
			sc := bufio.NewScanner(res.Body)
			for sc.Scan() {
				if sc.Text() == "event: question.updated" {
					received <- time.Now()
					return
				}
			}
		})
	}
	for range n {
		if err := <-connected; err != nil {
			closeStreams()
			wg.Wait()
			return result{}, fmt.Errorf("opening streams: %v", err)
		}
	}
	time.Sleep(500 * time.Millisecond) // the last streams have subscribed
	after, err := s.liveMemory()
	if err != nil {
		closeStreams()
		wg.Wait()
		return result{}, err
	}
	perStream := float64(after-before) / float64(n)

	req, _ := http.NewRequest("PATCH", fmt.Sprintf("%s/%d", base, id), strings.NewReader(`{"status":"approved"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	approved := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{}, err
	}
	res.Body.Close()
	var delays []time.Duration
	timeout := time.After(30 * time.Second)
collect:
	for len(delays) < n {
		select {
		case t := <-received:
			delays = append(delays, t.Sub(approved))
		case <-timeout:
			break collect
		}
	}
	closeStreams()
	wg.Wait()
	if len(delays) == 0 {
		return result{}, fmt.Errorf("no stream received the approval")
	}
	slices.Sort(delays)
	at := func(p float64) time.Duration { return delays[min(int(float64(n)*p), len(delays)-1)] }
	all := "all " + ms(delays[len(delays)-1])
	if len(delays) < n {
		all = fmt.Sprintf("only %d of %d within 30 s", len(delays), n)
	}
	r := result{Scenario: fmt.Sprintf("3 live fan-out, %d streams", n), Value: float64(at(.99).Microseconds()) / 1000, Unit: "ms p99",
		Note: fmt.Sprintf("p50 %s, %s; %.0f KiB live server memory per stream (heap and stacks)", ms(at(.5)), all, perStream/1024)}
	if n == 5000 {
		r.Target, r.Met = "p99 < 1 s", met(len(delays) == n && at(.99) < time.Second)
	}
	return r, nil
}
