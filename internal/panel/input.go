package panel

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

// Limits on panelists and agenda items, each named so that it can be tested and documented.
const (
	maxNameLen          = 200
	maxFieldLen         = 200 // role, organization, municipality
	maxBioLen           = 5_000
	maxPosition         = 10_000
	maxTitleLen         = 200
	maxDescriptionLen   = 5_000
	maxPanelistsPerItem = 50
)

// PanelistInput is what an organizer sends to add a panelist, or the whole panelist after a change.
type PanelistInput struct {
	Name         string
	Role         string
	Organization string
	Municipality string
	Bio          string
	Position     *int // nil: after the event's other panelists
}

// PanelistInputOf returns the input that would recreate p, as the base that a change is applied to.
func PanelistInputOf(p *Panelist) PanelistInput {
	position := p.Position
	return PanelistInput{Name: p.Name, Role: p.Role, Organization: p.Organization,
		Municipality: p.Municipality, Bio: p.Bio, Position: &position}
}

// Validate checks every field and reports all problems at once as a *domain.ValidationError.
func (in PanelistInput) Validate() error {
	_, err := in.validate()
	return err
}

func (in PanelistInput) validate() (*PanelistInput, error) {
	v := &domain.ValidationError{}
	in.Name = checkLine(v, "name", in.Name, 1, maxNameLen)
	in.Role = checkLine(v, "role", in.Role, 0, maxFieldLen)
	in.Organization = checkLine(v, "organization", in.Organization, 0, maxFieldLen)
	in.Municipality = checkLine(v, "municipality", in.Municipality, 0, maxFieldLen)
	in.Bio = checkText(v, "bio", in.Bio, maxBioLen)
	if in.Position != nil && (*in.Position < 0 || *in.Position > maxPosition) {
		v.Problem("position", "out_of_range", domain.Params{"Min": 0, "Max": maxPosition}, fmt.Sprintf("must be from 0 to %d, or null for after the other panelists", maxPosition))
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	return &in, nil
}

// AgendaItemInput is what an organizer sends to add an agenda item, or the whole item after a
// change.
type AgendaItemInput struct {
	StartsAt    time.Time
	EndsAt      time.Time
	Title       string
	Kind        string
	Description string
	PanelistIDs []int64
}

// AgendaItemInputOf returns the input that would recreate a, as the base that a change is
// applied to.
func AgendaItemInputOf(a *AgendaItem) AgendaItemInput {
	return AgendaItemInput{StartsAt: a.StartsAt, EndsAt: a.EndsAt, Title: a.Title, Kind: a.Kind,
		Description: a.Description, PanelistIDs: append([]int64{}, a.PanelistIDs...)}
}

// Validate checks every field against the event the item belongs to, its time and its
// panelists, and reports all problems at once as a *domain.ValidationError.
func (in AgendaItemInput) Validate(ctx context.Context, q sqlx.QueryerContext, e *event.Event) error {
	_, err := in.validate(ctx, q, e)
	return err
}

// validate returns the input as it is stored: trimmed, its panelist ids in the panel's order.
// Inside a transaction the panelists stay locked, so none of them can go before it commits.
func (in AgendaItemInput) validate(ctx context.Context, q sqlx.QueryerContext, e *event.Event) (*AgendaItemInput, error) {
	v := &domain.ValidationError{}
	in.Title = checkLine(v, "title", in.Title, 1, maxTitleLen)
	switch in.Kind = strings.TrimSpace(in.Kind); in.Kind {
	case KindTalk, KindPanel, KindQA, KindBreak:
	default:
		v.Problem("kind", "one_of", domain.Params{"Values": "talk, panel, qa, break"}, "must be talk, panel, qa or break")
	}
	in.Description = checkText(v, "description", in.Description, maxDescriptionLen)
	validateTimes(v, in.StartsAt, in.EndsAt, e)
	ids, err := validatePanelistIDs(ctx, q, v, in.PanelistIDs, e.ID)
	if err != nil {
		return nil, err
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	in.PanelistIDs = ids
	return &in, nil
}

// validateTimes checks that an item has a start and an end, in this order, within the event.
func validateTimes(v *domain.ValidationError, starts, ends time.Time, e *event.Event) {
	zone := e.Zone()
	from, to := e.StartsAt.In(zone), e.EndsAt.In(zone)
	within := fmt.Sprintf("must lie within the event, from %s to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	span := domain.Params{"From": from, "To": to}
	switch {
	case starts.IsZero():
		v.Problem("starts_at", "required", nil, "is required")
	case !v.CheckTime("starts_at", starts, zone):
	case starts.Before(e.StartsAt) || !starts.Before(e.EndsAt):
		v.Problem("starts_at", "outside_event", span, within)
	}
	switch {
	case ends.IsZero():
		v.Problem("ends_at", "required", nil, "is required")
	case !v.CheckTime("ends_at", ends, zone):
	case !starts.IsZero() && !ends.After(starts):
		v.Problem("ends_at", "not_after", domain.Params{"Other": "starts_at"}, "must be after starts_at")
	case ends.After(e.EndsAt) || !ends.After(e.StartsAt):
		v.Problem("ends_at", "outside_event", span, within)
	}
}

// validatePanelistIDs checks that each id names a panelist of the event, once, and returns the
// ids in the order the panel lists them.
func validatePanelistIDs(ctx context.Context, q sqlx.QueryerContext, v *domain.ValidationError, ids []int64, eventID int64) ([]int64, error) {
	if len(ids) > maxPanelistsPerItem {
		v.Problem("panelist_ids", "too_many", domain.Params{"Max": maxPanelistsPerItem}, fmt.Sprintf("at most %d panelists", maxPanelistsPerItem))
		return nil, nil
	}
	if len(ids) == 0 {
		return []int64{}, nil
	}
	query := `SELECT id FROM panelists WHERE event_id = $1 AND id = ANY($2)
		ORDER BY position, id
		FOR SHARE`
	var found []int64
	if err := sqlx.SelectContext(ctx, q, &found, query, eventID, pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("panel: unable to check panelists: %w", err)
	}
	known := make(map[int64]bool, len(found))
	for _, id := range found {
		known[id] = true
	}
	seen := make(map[int64]bool, len(ids))
	for i, id := range ids {
		field := fmt.Sprintf("panelist_ids[%d]", i)
		switch {
		case !known[id]:
			v.Problem(field, "unknown_panelist", domain.Params{"ID": id}, fmt.Sprintf("%d is not a panelist of this event", id))
		case seen[id]:
			v.Problem(field, "duplicate", domain.Params{"ID": id}, fmt.Sprintf("%d is given twice", id))
		}
		seen[id] = true
	}
	return found, nil
}

// checkLine trims a one-line value and checks its length. Names and titles reach pages, mails
// and calendars as single lines, so line breaks and other control characters are refused.
func checkLine(v *domain.ValidationError, field, s string, min, max int) string {
	s = strings.TrimSpace(s)
	if v.CheckLine(field, s) {
		checkLen(v, field, s, min, max)
	}
	return s
}

// checkText trims a text of several lines and checks its length; control characters other than
// line breaks and tabs are refused, because nobody types them.
func checkText(v *domain.ValidationError, field, s string, max int) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if v.CheckText(field, s) {
		checkLen(v, field, s, 0, max)
	}
	return s
}

func checkLen(v *domain.ValidationError, field, s string, min, max int) {
	switch n := utf8.RuneCountInString(s); {
	case n < min:
		v.Problem(field, "required", nil, "is required")
	case n > max:
		v.Problem(field, "too_long", domain.Params{"Max": max}, fmt.Sprintf("must be at most %d characters long", max))
	}
}
