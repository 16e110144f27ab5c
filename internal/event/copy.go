package event

import "time"

// Copy is what a copy of an event changes: its title, its slug (empty: derived from the title)
// and its start. Everything else is taken from the original.
type Copy struct {
	Title    string
	Slug     string
	StartsAt time.Time
}

// Shift is how far the copy moves every time of the original: from its start to the new one.
func (c Copy) Shift(original *Event) time.Duration {
	return c.StartsAt.Sub(original.StartsAt)
}

// CopyInput returns the input of a draft copy of e: the same fields and registration questions,
// every time moved by the same amount, so that the event keeps its length and its registration
// window the same distance from the start.
func CopyInput(e *Event, c Copy) Input {
	in := InputOf(e)
	shift := c.Shift(e)
	in.Title, in.Slug, in.Status = c.Title, c.Slug, StatusDraft
	in.StartsAt, in.EndsAt = e.StartsAt.Add(shift), e.EndsAt.Add(shift)
	if in.RegistrationOpensAt != nil {
		opens := in.RegistrationOpensAt.Add(shift)
		in.RegistrationOpensAt = &opens
	}
	if in.RegistrationClosesAt != nil {
		closes := in.RegistrationClosesAt.Add(shift)
		in.RegistrationClosesAt = &closes
	}
	return in
}
