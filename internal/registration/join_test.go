package registration_test

import (
	"context"
	"testing"
	"time"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// A link followed in a loop keeps leading into the meeting, but the table keeps at most 200 of
// its joins (maxJoinsRecorded); a cancelled registration's link, during the event, records
// nothing and does not mark anyone attended.
func TestJoinsAreBounded(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool, func(in *event.Input) { in.OnlineURL = "https://konferenz.example.org/raum-7" })
	r, _, err := registration.Register(ctx, pool, key, e, person(1), now)
	if err != nil {
		t.Fatal(err)
	}
	token := registration.JoinToken(key, r)
	for i := range 205 {
		j, err := registration.Join(ctx, pool, key, token, e.StartsAt.Add(time.Duration(i)*time.Second), 15*time.Minute)
		if err != nil || j.State != registration.JoinOpen {
			t.Fatalf("join %d: %+v %v", i, j, err)
		}
	}
	joins, err := registration.JoinsOf(ctx, pool, []int64{r.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := joins[r.ID]; got.Count != 200 || got.First == nil || !got.First.Equal(e.StartsAt) {
		t.Errorf("joins %+v, want the first 200 from the start", got)
	}

	other, _, err := registration.Register(ctx, pool, key, e, person(2), now)
	if err != nil {
		t.Fatal(err)
	}
	pool.MustExec(`UPDATE registrations SET status = 'cancelled' WHERE id = $1`, other.ID)
	if j, err := registration.Join(ctx, pool, key, registration.JoinToken(key, other), e.StartsAt, 15*time.Minute); err != nil || j.State != registration.JoinCancelled {
		t.Fatalf("a cancelled registration's join: %+v %v", j, err)
	}
	var n int
	pool.Get(&n, `SELECT count(*) FROM registration_joins WHERE registration_id = $1`, other.ID)
	var attended bool
	pool.Get(&attended, `SELECT attended FROM registrations WHERE id = $1`, other.ID)
	if n != 0 || attended {
		t.Errorf("a cancelled registration got %d joins, attended %v", n, attended)
	}
}
