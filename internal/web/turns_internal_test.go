package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// Registrations of a rush get their turns in the order they came, two at a time here; one that
// gives up while it waits takes no turn from those behind it.
func TestTurnsInArrivalOrder(t *testing.T) {
	gin.SetMode(gin.TestMode)
	turns := newTurns(2)
	release := make(chan struct{})
	var mu sync.Mutex
	var entered []int
	inside, most := 0, 0
	r := gin.New()
	r.GET("/:n", turns.inTurn, func(c *gin.Context) {
		mu.Lock()
		entered = append(entered, len(c.Param("n")))
		inside++
		most = max(most, inside)
		mu.Unlock()
		<-release
		mu.Lock()
		inside--
		mu.Unlock()
	})
	var wg sync.WaitGroup
	send := func(ctx context.Context, n int) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest("GET", "/"+strings.Repeat("x", n), nil).WithContext(ctx))
		return rec
	}
	for n := 1; n <= 5; n++ {
		if n == 4 {
			// The fourth gives up while it waits.
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan int)
			go func() { done <- send(ctx, n).Code }()
			time.Sleep(20 * time.Millisecond)
			cancel()
			if code := <-done; code != http.StatusServiceUnavailable {
				t.Errorf("the request that gave up: %d", code)
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			send(context.Background(), n)
		}()
		time.Sleep(20 * time.Millisecond) // one after the other
	}
	// One leaves at a time, and the next to come in is recorded before another leaves.
	for want := 3; want <= 5; want++ {
		release <- struct{}{}
		for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(time.Millisecond) {
			mu.Lock()
			n := len(entered)
			mu.Unlock()
			if n >= min(want, 4) || time.Now().After(deadline) {
				break
			}
		}
	}
	release <- struct{}{}
	wg.Wait()
	if most != 2 {
		t.Errorf("%d requests inside at once, want 2", most)
	}
	if want := []int{1, 2, 3, 5}; len(entered) != len(want) || entered[2] != 3 || entered[3] != 5 {
		t.Errorf("entered in the order %v, want %v", entered, want)
	}
}
