// Package registration holds attendees' registrations: the rules of capacity and waitlist, the
// secret manage token, and the SQL that keeps seats from being overbooked.
package registration

import (
	"encoding/json"
	"time"
)

// Statuses of a registration.
const (
	StatusPending    = "pending"    // waiting for the attendee to confirm their email address
	StatusConfirmed  = "confirmed"  // holds a seat
	StatusWaitlisted = "waitlisted" // waits for a seat to free up
	StatusCancelled  = "cancelled"
)

// Registration is one person's registration for one event.
type Registration struct {
	ID           int64           `db:"id" json:"id"`
	EventID      int64           `db:"event_id" json:"-"`
	Status       string          `db:"status" json:"status"`
	Name         string          `db:"name" json:"name"`
	Email        string          `db:"email" json:"email"`
	Organization string          `db:"organization" json:"organization"`
	Municipality string          `db:"municipality" json:"municipality"`
	Role         string          `db:"role" json:"role"`
	Answers      json.RawMessage `db:"answers" json:"answers"`
	Language     string          `db:"language" json:"language"`
	ConsentAt    time.Time       `db:"consent_at" json:"consent_at"`
	// ConsentVersion names the consent texts accepted (table consent_texts); none before they were kept.
	ConsentVersion *string    `db:"consent_version" json:"consent_version,omitempty"`
	Attended       bool       `db:"attended" json:"attended"`
	CreatedAt      time.Time  `db:"created_at" json:"registered_at"`
	UpdatedAt      time.Time  `db:"updated_at" json:"updated_at"`
	ConfirmedAt    *time.Time `db:"confirmed_at" json:"confirmed_at"`
	CancelledAt    *time.Time `db:"cancelled_at" json:"cancelled_at"`
	TokenSalt      []byte     `db:"token_salt" json:"-"`
}
