package event

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gosimple/slug"
	"github.com/jmoiron/sqlx"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
)

// maxSlugTries bounds the search for a free slug derived from a title ("titel", "titel-2", ...).
const maxSlugTries = 50

// Create validates in and stores a new event with its questions. The creator, if any, becomes
// its organizer and, unless the input names another, its organizer of record. Without a slug,
// one is derived from the title.
func Create(ctx context.Context, pool *sqlx.DB, in Input, creator *auth.User) (*Event, error) {
	return CreateWith(ctx, pool, in, creator, nil)
}

// CreateWith is Create with more to store about the new event, such as its programme when it is
// a copy: then runs in the transaction that creates the event, so that all of it or nothing is
// stored.
func CreateWith(ctx context.Context, pool *sqlx.DB, in Input, creator *auth.User,
	then func(ctx context.Context, tx *sqlx.Tx, e *Event) error) (*Event, error) {
	if creator != nil && strings.TrimSpace(in.OrganizerName) == "" && strings.TrimSpace(in.OrganizerEmail) == "" {
		in.OrganizerName, in.OrganizerEmail = creator.Name, creator.Email
	}
	v, err := in.validate()
	if err != nil {
		return nil, err
	}
	candidates := []string{v.Slug}
	if v.Slug == "" {
		candidates = derivedSlugs(v.Title)
	}
	for _, candidate := range candidates {
		v.Slug = candidate
		var e *Event
		err := db.InTx(ctx, pool, func(tx *sqlx.Tx) error {
			var err error
			var createdBy *int64
			if creator != nil {
				createdBy = &creator.ID
			}
			if e, err = insert(ctx, tx, v, createdBy); err != nil {
				return err
			}
			if err := replaceQuestions(ctx, tx, e.ID, v.Questions); err != nil {
				return err
			}
			e.Questions = v.Questions
			if creator != nil {
				if err := auth.SetEventRole(ctx, tx, e.ID, creator.ID, auth.EventOrganizer); err != nil {
					return err
				}
			}
			if then == nil {
				return nil
			}
			return then(ctx, tx, e)
		})
		if err == nil {
			return e, nil
		}
		if !isUniqueViolation(err) {
			return nil, err
		}
	}
	return nil, slugTaken(v.Slug)
}

// slugTaken is the conflict of a slug that another event has.
func slugTaken(slug string) error {
	return &domain.ConflictError{Code: "slug_taken", Params: domain.Params{"Slug": slug}, Field: "slug",
		Message: fmt.Sprintf("the slug %q is taken by another event", slug)}
}

// derivedSlugs returns slugs made from a title, German umlauts spelt out: "Digitale Kommune:
// Eine Typfrage?" gives "digitale-kommune-eine-typfrage", then "...-2" and so on.
func derivedSlugs(title string) []string {
	// gosimple/slug keeps underscores, which slugPattern rejects.
	base := slug.MakeLang(strings.ReplaceAll(title, "_", " "), "de")
	if len(base) > maxSlugLen-4 {
		base = strings.TrimRight(base[:maxSlugLen-4], "-")
	}
	if len(base) < minSlugLen {
		base = strings.TrimRight("veranstaltung-"+base, "-")
	}
	if !slugPattern.MatchString(base) {
		base = "veranstaltung"
	}
	if reservedSlugs[base] {
		base = "veranstaltung-" + base
	}
	slugs := []string{base}
	for i := 2; i <= maxSlugTries; i++ {
		slugs = append(slugs, fmt.Sprintf("%s-%d", base, i))
	}
	return slugs
}

// Update applies a changed input to the event, inside the caller's transaction, so that what
// the change means for attendees commits with it; e is the event as ForUpdate read it in that
// transaction. A change of time, place or join URL of a published event raises its revision,
// which calendars read as the invite's SEQUENCE.
func Update(ctx context.Context, tx *sqlx.Tx, e *Event, in Input) (*Event, error) {
	if e.Status == StatusCancelled {
		return nil, &domain.ConflictError{Code: "event_cancelled", Message: "the event is cancelled and can no longer be changed"}
	}
	v, err := in.validate()
	if err != nil {
		return nil, err
	}
	if v.Slug == "" {
		v.Slug = e.Slug
	}
	moved := e.Status == StatusPublished && v.Status == StatusPublished && calendarChanged(e, v)
	updated, err := update(ctx, tx, e.ID, v, moved)
	if isUniqueViolation(err) {
		return nil, slugTaken(v.Slug)
	}
	if err != nil {
		return nil, err
	}
	updated.Questions = v.Questions
	if err := replaceQuestions(ctx, tx, e.ID, v.Questions); err != nil {
		return nil, err
	}
	return updated, nil
}

// calendarChanged tells whether the change reaches attendees' calendars.
func calendarChanged(e *Event, v *valid) bool {
	return !e.StartsAt.Equal(v.StartsAt) || !e.EndsAt.Equal(v.EndsAt) || e.Timezone != v.Timezone ||
		e.Location != v.Location || e.OnlineURL != v.OnlineURL
}

// maxCancelMessageLen bounds what organizers tell attendees when they cancel: a few paragraphs.
const maxCancelMessageLen = 2_000

// Cancel marks a published event cancelled, which also closes its registration; message, which
// may be empty, is what the organizers tell the attendees. Cancelling a cancelled event changes
// nothing; a draft is deleted instead.
func Cancel(ctx context.Context, q sqlx.ExtContext, e *Event, message string, now time.Time) (*Event, error) {
	message = strings.TrimSpace(strings.ReplaceAll(message, "\r\n", "\n"))
	v := &domain.ValidationError{}
	if v.CheckText("message", message) && utf8.RuneCountInString(message) > maxCancelMessageLen {
		v.Problem("message", "too_long", domain.Params{"Max": maxCancelMessageLen},
			fmt.Sprintf("must be at most %d characters long", maxCancelMessageLen))
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	switch e.Status {
	case StatusCancelled:
		return e, nil
	case StatusDraft:
		return nil, &domain.ConflictError{Code: "draft_not_cancelled", Field: "status", Message: "a draft is not cancelled but deleted"}
	}
	query := `UPDATE events SET status = 'cancelled', cancelled_at = $2, revision = revision + 1,
			version = version + 1, updated_at = $2, cancel_message = $3
		WHERE id = $1 AND status = 'published'
		RETURNING ` + columns
	var r row
	if err := sqlx.GetContext(ctx, q, &r, query, e.ID, now, message); err != nil {
		return nil, fmt.Errorf("event: unable to cancel event: %w", err)
	}
	cancelled := r.event()
	cancelled.Questions = e.Questions
	return cancelled, nil
}

// Precondition is what a change requires of the event's version, from an If-Match header: the
// zero value requires nothing.
type Precondition struct {
	Set      bool
	Versions []int64 // any of them; none at all never matches
}

// Check refuses a change to an event whose version the caller did not name: it was changed
// since the caller read it.
func (p Precondition) Check(e *Event) error {
	if p.Set && !slices.Contains(p.Versions, e.Version) {
		return domain.ErrStale
	}
	return nil
}

// Delete removes a draft and everything that belongs to it. Published and cancelled events stay,
// because people registered for them.
func Delete(ctx context.Context, q sqlx.ExecerContext, e *Event) error {
	res, err := q.ExecContext(ctx, `DELETE FROM events WHERE id = $1 AND status = 'draft'`, e.ID)
	if err != nil {
		return fmt.Errorf("event: unable to delete event: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &domain.ConflictError{Code: "not_a_draft", Field: "status", Message: "only drafts can be deleted; cancel a published event instead"}
	}
	return nil
}
