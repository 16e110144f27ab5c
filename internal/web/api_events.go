package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/panel"
	"github.com/podium-events/podium/internal/registration"
)

// Pagination limits of every list, as API.md fixes them.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// eventJSON is an event as the API shows it, with its panel, agenda and seats.
type eventJSON struct {
	shownEvent
	*panel.Programme
	Registered int  `json:"registered"`
	Waitlisted int  `json:"waitlisted"`
	SeatsLeft  *int `json:"seats_left"` // null: unlimited
}

type page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// inputFields names, for each JSON field of an event, where its value goes.
func inputFields(in *event.Input) map[string]any {
	return map[string]any{
		"slug": &in.Slug, "title": &in.Title, "subtitle": &in.Subtitle, "description": &in.Description,
		"starts_at": &in.StartsAt, "ends_at": &in.EndsAt, "timezone": &in.Timezone,
		"location": &in.Location, "online_url": &in.OnlineURL, "hosts": &in.Hosts,
		"organizer_name": &in.OrganizerName, "organizer_email": &in.OrganizerEmail,
		"capacity": &in.Capacity, "registration_opens_at": &in.RegistrationOpensAt,
		"registration_closes_at": &in.RegistrationClosesAt, "status": &in.Status,
		"language": &in.Language, "double_opt_in": &in.DoubleOptIn, "waitlist": &in.Waitlist,
		"moderation": &in.Moderation, "reminder_offsets": &in.ReminderOffsets, "questions": &in.Questions,
	}
}

// decodeEventInput applies the JSON fields to in. When a field cannot be decoded, the others are
// validated too, so that the client learns of every problem in one answer.
func decodeEventInput(obj map[string]json.RawMessage, in *event.Input) error {
	err := decodeFields(obj, inputFields(in))
	var decodeErr *domain.ValidationError
	if !errors.As(err, &decodeErr) {
		return err
	}
	var validationErr *domain.ValidationError
	if errors.As(in.Validate(), &validationErr) {
		for _, f := range validationErr.Fields {
			if !decodeErr.Has(f.Field) {
				decodeErr.Fields = append(decodeErr.Fields, f)
			}
		}
	}
	return decodeErr
}

func (s *Server) createEvent(c *gin.Context) {
	u := currentUser(c)
	if u == nil {
		s.respondError(c, errUnauthenticated)
		return
	}
	if !auth.CanCreateEvents(u) {
		s.respondError(c, domain.ErrForbidden)
		return
	}
	obj, err := readObject(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	in := event.NewInput()
	if err := decodeEventInput(obj, &in); err != nil {
		s.respondError(c, err)
		return
	}
	e, err := event.Create(c.Request.Context(), s.pool, in, u)
	if err == nil {
		c.Set(eventKey, e)
	}
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/events/"+e.Slug)
	s.respondEvent(c, http.StatusCreated, e)
}

func (s *Server) getEvent(c *gin.Context, e *event.Event) {
	s.respondEvent(c, http.StatusOK, e)
}

// patchEvent applies the fields sent to the event as it is when the change commits; with
// If-Match, only if it is still the version the caller read.
func (s *Server) patchEvent(c *gin.Context, e *event.Event) {
	obj, err := readObject(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	updated, err := registration.ChangeEvent(c.Request.Context(), s.pool, e.ID, ifMatch(c), func(current *event.Event) (event.Input, error) {
		in := event.InputOf(current)
		return in, decodeEventInput(obj, &in)
	}, s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.respondEvent(c, http.StatusOK, updated)
}

// cancelEvent cancels the event; the body, which may be left out, may carry a "message" to the
// attendees, which their cancellation mail gives.
func (s *Server) cancelEvent(c *gin.Context, e *event.Event) {
	var message string
	if c.Request.ContentLength != 0 {
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
		var tooLarge *http.MaxBytesError
		if err != nil && !errors.As(err, &tooLarge) {
			err = &malformedError{detail: "unable to read the request body"}
		}
		if err != nil {
			s.respondError(c, err)
			return
		}
		if len(bytes.TrimSpace(body)) > 0 {
			obj, err := parseObject(body)
			if err == nil {
				err = decodeFields(obj, map[string]any{"message": &message})
			}
			if err != nil {
				s.respondError(c, err)
				return
			}
		}
	}
	cancelled, err := registration.CancelEventWithMessage(c.Request.Context(), s.pool, e, message, s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.respondEvent(c, http.StatusOK, cancelled)
}

func (s *Server) deleteEvent(c *gin.Context, e *event.Event) {
	if err := event.Delete(c.Request.Context(), s.pool, e); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) listEvents(c *gin.Context) {
	limit, offset, err := pagination(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	past, err := boolQuery(c, "past")
	if err != nil {
		s.respondError(c, err)
		return
	}
	events, err := event.ListPublished(c.Request.Context(), s.pool, event.ListOptions{
		Now: s.now(), Past: past, Limit: limit + 1, Offset: offset,
	})
	if err != nil {
		s.respondError(c, err)
		return
	}
	organized, err := s.organizedEvents(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p := page[shownEvent]{Items: make([]shownEvent, 0, len(events))}
	for _, e := range events[:min(len(events), limit)] {
		p.Items = append(p.Items, showEvent(e, organized(e.ID)))
	}
	if len(events) > limit {
		next := encodeCursor(offset + limit)
		p.NextCursor = &next
	}
	s.writeJSON(c, http.StatusOK, p)
}

func (s *Server) listPanelists(c *gin.Context, e *event.Event) {
	ps, err := panel.Panelists(c.Request.Context(), s.pool, e.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, page[panel.Panelist]{Items: ps})
}

func (s *Server) listAgenda(c *gin.Context, e *event.Event) {
	items, err := panel.Agenda(c.Request.Context(), s.pool, e.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, page[panel.AgendaItem]{Items: items})
}

// respondEvent sends the event with its panel and agenda, and its join link to its organizers.
func (s *Server) respondEvent(c *gin.Context, status int, e *event.Event) {
	ctx := c.Request.Context()
	organizer, err := s.organizes(c, e)
	if err != nil {
		s.respondError(c, err)
		return
	}
	programme, err := panel.ProgrammeOf(ctx, s.pool, e.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	counts, err := registration.CountsOf(ctx, s.pool, e.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.Header("ETag", etag(e))
	s.writeJSON(c, status, eventJSON{shownEvent: showEvent(e, organizer), Programme: programme, Registered: counts.Confirmed,
		Waitlisted: counts.Waitlisted, SeatsLeft: counts.SeatsLeft(e.Capacity)})
}

// limitQuery reads ?limit=, from 1 to maxLimit.
func limitQuery(c *gin.Context) (int, error) {
	raw := c.Query("limit")
	if raw == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxLimit {
		v := &domain.ValidationError{}
		v.Problem("limit", "out_of_range", domain.Params{"Min": 1, "Max": maxLimit}, "must be a whole number from 1 to "+strconv.Itoa(maxLimit))
		return 0, v
	}
	return n, nil
}

// pagination reads ?limit= and an offset ?cursor=. Cursors are opaque to clients.
func pagination(c *gin.Context) (limit, offset int, err error) {
	if limit, err = limitQuery(c); err != nil {
		return 0, 0, err
	}
	v := &domain.ValidationError{}
	if raw := c.Query("cursor"); raw != "" {
		n, ok := decodeCursor(raw)
		if !ok {
			v.Problem("cursor", "invalid_cursor", nil, "is not a cursor this API handed out")
		}
		offset = n
	}
	return limit, offset, v.OrNil()
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func decodeCursor(cursor string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < 3 || string(b[:2]) != "o:" {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[2:]))
	return n, err == nil && n >= 0
}

// boolQuery reads an optional true/false query parameter.
func boolQuery(c *gin.Context, name string) (bool, error) {
	raw := c.Query(name)
	if raw == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		v := &domain.ValidationError{}
		v.Problem(name, "not_boolean", nil, "must be true or false")
		return false, v
	}
	return b, nil
}

// etag names the version of an event's own fields (its registration counts change without it),
// for If-Match on a change.
func etag(e *event.Event) string {
	return `"` + strconv.FormatInt(e.Version, 10) + `"`
}

// ifMatch reads If-Match: absent or "*" asks nothing; otherwise the change applies only to one of
// the versions named by strong entity tags. A weak or foreign tag names no version, so that the
// change is refused rather than applied to something the client never saw.
func ifMatch(c *gin.Context) event.Precondition {
	raw := strings.TrimSpace(strings.Join(c.Request.Header.Values("If-Match"), ","))
	if raw == "" || raw == "*" {
		return event.Precondition{}
	}
	pre := event.Precondition{Set: true}
	for _, tag := range strings.Split(raw, ",") {
		tag = strings.TrimSpace(tag)
		if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
			continue
		}
		if v, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64); err == nil {
			pre.Versions = append(pre.Versions, v)
		}
	}
	return pre
}
