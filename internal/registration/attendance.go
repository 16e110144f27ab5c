package registration

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/domain"
)

// MaxAttendanceIDs bounds the registrations one change of attendance names: a page of the
// organizers' list, or a script's batch. Larger events are marked in several requests.
const MaxAttendanceIDs = 500

// AttendanceChange is what a change of attendance did: how many registrations it marked as
// attended and how many it unmarked. Registrations already as wanted are not counted.
type AttendanceChange struct {
	Marked   int `db:"marked" json:"marked"`
	Unmarked int `db:"unmarked" json:"unmarked"`
}

// SetAttendance marks the registrations attend as attended and those in absent as not, in one
// statement, for an organizer checking people in at the door or afterwards from a list. Every id
// must be a registration of the event whose data still exists; otherwise nothing changes. An
// id in both lists counts as attended. The status does not matter: someone on the waitlist who
// came anyway did attend.
func SetAttendance(ctx context.Context, q sqlx.QueryerContext, eventID int64, attend, absent []int64) (AttendanceChange, error) {
	var change AttendanceChange
	v := &domain.ValidationError{}
	switch n := len(attend) + len(absent); {
	case n == 0:
		v.Problem("ids", "required", nil, "name at least one registration")
	case n > MaxAttendanceIDs:
		v.Problem("ids", "too_many", domain.Params{"Max": MaxAttendanceIDs},
			fmt.Sprintf("at most %d registrations at once", MaxAttendanceIDs))
	}
	if err := v.OrNil(); err != nil {
		return change, err
	}
	// The update runs only when every id was found, so that a wrong id changes nothing; the
	// counts say which case it was.
	query := `WITH wanted AS (
			SELECT id, bool_or(attended) AS attended FROM (
				SELECT unnest($2::bigint[]) AS id, true AS attended
				UNION ALL SELECT unnest($3::bigint[]), false) w
			GROUP BY id
		), found AS (
			SELECT r.id, w.attended FROM registrations r JOIN wanted w ON w.id = r.id
			WHERE r.event_id = $1 AND r.erased_at IS NULL
		), changed AS (
			UPDATE registrations r SET attended = f.attended, updated_at = now()
			FROM found f
			WHERE r.id = f.id AND r.attended <> f.attended
				AND (SELECT count(*) FROM found) = (SELECT count(*) FROM wanted)
			RETURNING r.attended
		)
		SELECT (SELECT count(*) FROM wanted) - (SELECT count(*) FROM found) AS unknown,
			count(*) FILTER (WHERE attended) AS marked, count(*) FILTER (WHERE NOT attended) AS unmarked
		FROM changed`
	var row struct {
		Unknown int `db:"unknown"`
		AttendanceChange
	}
	if err := sqlx.GetContext(ctx, q, &row, query, eventID, pq.Array(attend), pq.Array(absent)); err != nil {
		return change, fmt.Errorf("registration: set attendance: %w", err)
	}
	if row.Unknown > 0 {
		v.Problem("ids", "unknown_registrations", domain.Params{"Count": row.Unknown},
			fmt.Sprintf("%d of the ids are no registrations of this event; nothing was changed", row.Unknown))
		return change, v
	}
	return row.AttendanceChange, nil
}
