package web_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/db/dbtest"
)

// 1,000 open streams on one process, from 1,000 addresses, all receive an approval. The time it
// takes is logged; `make bench` measures it without the race detector.
func TestThousandStreamsReceiveAnUpdate(t *testing.T) {
	const clients = 1000
	pool, dbURL := dbtest.NewWithURL(t)
	path, moderator := moderatedEvent(t, pool)
	srv := liveServerBehindProxy(t, pool, dbURL)
	_, asked := call(t, participant(t), "POST", srv.URL+path, "", `{"text":"Gilt das auch für kleine Gemeinden?"}`)

	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	t.Cleanup(transport.CloseIdleConnections)
	client := &http.Client{Transport: transport}
	streams := make([]*sseStream, clients)
	var wg sync.WaitGroup
	for i := range streams {
		wg.Go(func() {
			streams[i] = streamFrom(t, client, srv.URL+path+"/stream", fmt.Sprintf("10.0.%d.%d", i/250, i%250+1))
		})
	}
	wg.Wait()

	start := time.Now()
	if status, _ := call(t, participant(t), "PATCH", fmt.Sprintf("%s%s/%v", srv.URL, path, asked["id"]), moderator, `{"status":"approved"}`); status != http.StatusOK {
		t.Fatalf("approve: %d", status)
	}
	var missing sync.WaitGroup
	failed := make(chan int, clients)
	for i, s := range streams {
		missing.Go(func() {
			select {
			case ev := <-s.events:
				if ev.Name != "question.updated" || ev.Data["status"] != "approved" {
					failed <- i
				}
			case <-time.After(10 * time.Second):
				failed <- i
			}
		})
	}
	missing.Wait()
	close(failed)
	if n := len(failed); n > 0 {
		t.Fatalf("%d of %d streams did not receive the approval", n, clients)
	}
	t.Logf("%d streams received the approval within %s", clients, time.Since(start))
}
