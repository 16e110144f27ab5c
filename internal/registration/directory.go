package registration

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
)

// Recipient is the person a message goes to, and what a message needs to know of them.
type Recipient struct {
	RegistrationID int64  `db:"id"`
	EventID        int64  `db:"event_id"`
	Name           string `db:"name"`
	Email          string `db:"email"`
	Language       string `db:"language"`
	Status         string `db:"status"`
	// HadSeat tells whether the person was ever confirmed, and so has the event in their calendar.
	HadSeat bool `db:"had_seat"`
	// ManageToken is the secret of the person's manage links.
	ManageToken string `db:"-"`
	// JoinToken is the secret of the person's personal join link, which leads into the meeting
	// and nothing else.
	JoinToken string `db:"-"`
}

// Directory answers the mail worker's questions about the people and events its messages
// concern, as they are when the message goes out.
type Directory struct {
	DB  sqlx.QueryerContext
	Key auth.ManageKey
}

// Recipients returns the recipients of these registrations, by registration id. A registration
// whose personal data was erased is left out: nothing may be sent to it any more.
func (d Directory) Recipients(ctx context.Context, registrationIDs []int64) (map[int64]*Recipient, error) {
	query := `SELECT id, event_id, name, email, language, status, confirmed_at IS NOT NULL AS had_seat, token_salt
		FROM registrations WHERE id = ANY($1) AND erased_at IS NULL`
	var rows []struct {
		Recipient
		TokenSalt []byte `db:"token_salt"`
	}
	if err := db.Select(ctx, d.DB, &rows, query, pq.Array(registrationIDs)); err != nil {
		return nil, fmt.Errorf("registration: recipients: %w", err)
	}
	out := make(map[int64]*Recipient, len(rows))
	for _, row := range rows {
		r := row.Recipient
		r.ManageToken = d.Key.Token(row.TokenSalt)
		r.JoinToken = d.Key.JoinToken(r.RegistrationID, row.TokenSalt)
		out[r.RegistrationID] = &r
	}
	return out, nil
}

// Event returns an event as it is now, with its agenda, which its calendar entries carry.
func (d Directory) Event(ctx context.Context, id int64) (*event.Event, []panel.AgendaItem, error) {
	e, err := event.ByID(ctx, d.DB, id)
	if err != nil {
		return nil, nil, err
	}
	agenda, err := panel.Agenda(ctx, d.DB, id)
	if err != nil {
		return nil, nil, err
	}
	return e, agenda, nil
}
