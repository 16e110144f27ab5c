package registration_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/registration"
)

func attendedIDs(t *testing.T, pool *sqlx.DB, eventID int64) map[int64]bool {
	t.Helper()
	var ids []int64
	if err := pool.Select(&ids, `SELECT id FROM registrations WHERE event_id = $1 AND attended`, eventID); err != nil {
		t.Fatal(err)
	}
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

func problemCode(err error, field string) string {
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		return ""
	}
	for _, f := range v.Fields {
		if f.Field == field {
			return f.Code
		}
	}
	return ""
}

// Marking attendance changes exactly the registrations named, says how many it changed, and
// changes nothing at all when one id is not a registration of the event (another event's, an
// erased one) or when there are none or too many.
func TestSetAttendance(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	e := newEvent(t, pool, nil)
	other := newEvent(t, pool, nil)
	var ids []int64
	for i := range 5 {
		r, _, err := registration.Register(ctx, pool, key, e, person(i), now)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	stranger, _, err := registration.Register(ctx, pool, key, other, person(9), now)
	if err != nil {
		t.Fatal(err)
	}

	change, err := registration.SetAttendance(ctx, pool, e.ID, ids[:3], nil)
	if err != nil || change.Marked != 3 || change.Unmarked != 0 {
		t.Fatalf("mark three: %+v, %v", change, err)
	}
	// Marked again, one unmarked, one left alone: only real changes count.
	change, err = registration.SetAttendance(ctx, pool, e.ID, ids[1:4], ids[:1])
	if err != nil || change.Marked != 1 || change.Unmarked != 1 {
		t.Fatalf("mark 1-3, unmark 0: %+v, %v", change, err)
	}
	want := map[int64]bool{ids[1]: true, ids[2]: true, ids[3]: true}
	if got := attendedIDs(t, pool, e.ID); len(got) != 3 || !got[ids[1]] || !got[ids[2]] || !got[ids[3]] {
		t.Fatalf("attended %v, want %v", got, want)
	}

	pool.MustExec(`UPDATE registrations SET erased_at = now() WHERE id = $1`, ids[4])
	for name, wrong := range map[string]int64{"another event's": stranger.ID, "an erased": ids[4], "an unknown": 999999} {
		_, err := registration.SetAttendance(ctx, pool, e.ID, []int64{ids[0], wrong}, []int64{ids[1]})
		if problemCode(err, "ids") != "unknown_registrations" {
			t.Errorf("with %s registration: %v", name, err)
		}
		if got := attendedIDs(t, pool, e.ID); len(got) != 3 || got[ids[0]] || !got[ids[1]] {
			t.Errorf("with %s registration something changed: %v", name, got)
		}
	}

	if _, err := registration.SetAttendance(ctx, pool, e.ID, nil, nil); problemCode(err, "ids") != "required" {
		t.Errorf("no ids: %v", err)
	}
	many := make([]int64, registration.MaxAttendanceIDs+1)
	for i := range many {
		many[i] = int64(i + 1)
	}
	if _, err := registration.SetAttendance(ctx, pool, e.ID, many[:300], many[300:]); problemCode(err, "ids") != "too_many" {
		t.Errorf("%d ids: %v", len(many), err)
	}
	// The limit itself is allowed (the ids are unknown here, which is the next check).
	if _, err := registration.SetAttendance(ctx, pool, e.ID, many[:registration.MaxAttendanceIDs], nil); problemCode(err, "ids") != "unknown_registrations" {
		t.Errorf("%d ids: %v", registration.MaxAttendanceIDs, err)
	}
}
