package export

import (
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/db/dbtest"
)

// Right after a rush, before PostgreSQL has counted the new rows, each batch of an export still
// starts where the last ended: an index scan in id order, no sort of the event's rows. (With
// the statistics of an empty table, the planner once picked an index that made every batch read
// and sort the whole event, and 100,000 attendees took 7 s.)
func TestBatchesReadByKeyWhateverTheStatistics(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	var eventID int64
	err := pool.Get(&eventID, `INSERT INTO events (slug, title, starts_at, ends_at, timezone, status,
			organizer_name, organizer_email, registration_closes_at)
		VALUES ('ansturm', 'Ansturm', now() + interval '1 day', now() + interval '25 hours', 'Europe/Berlin',
			'published', 'ÖFIT', 'oefit@example.org', now() + interval '1 day')
		RETURNING id`)
	if err != nil {
		t.Fatal(err)
	}
	pool.MustExec(`INSERT INTO registrations (event_id, status, name, email, consent_at, token_hash, confirmed_at)
		SELECT $1, 'confirmed', 'Person ' || n, 'p' || n || '@kommune.example', now(), sha256(n::text::bytea), now()
		FROM generate_series(1, 20000) AS n`, eventID)
	var middle int64
	if err := pool.Get(&middle, `SELECT min(id) + 10000 FROM registrations WHERE event_id = $1`, eventID); err != nil {
		t.Fatal(err)
	}
	var plan string
	err = pool.Get(&plan, `EXPLAIN (FORMAT JSON) `+batchQuery, eventID, pq.Array([]string{"confirmed"}), middle, batchSize)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plan, `"Node Type": "Sort"`) || !strings.Contains(plan, `"Index Name": "registrations_listing_idx"`) {
		t.Errorf("a batch is not read by key along registrations_listing_idx:\n%s", plan)
	}
}
