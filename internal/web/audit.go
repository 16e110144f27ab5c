package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/audit"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/poll"
	"github.com/podium-events/podium/internal/qa"
	"github.com/podium-events/podium/internal/registration"
)

// auditLimit is how many entries and messages the organizer's lists show.
const auditLimit = 200

// auditDetailKey holds what a handler adds to its audit entry, such as the account it made:
// ids only, never a person's name or address.
const auditDetailKey = "audit_detail"

// audited records the action in the audit log when the request succeeded: who, which event, what,
// and the route's ids as the detail. A failed record is logged, not shown to the user, because
// the action itself has happened.
func (s *Server) audited(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		u := currentUser(c)
		if u == nil || c.Writer.Status() >= 400 || c.GetBool(auditSkipKey) {
			return
		}
		entry := audit.Entry{UserID: &u.ID, UserEmail: u.Email, Action: action}
		if v, ok := c.Get(eventKey); ok {
			e := v.(*event.Event)
			entry.EventID = &e.ID
			entry.Detail = e.Slug
			// A deleted event's row is gone: its entry names it by slug only.
			if action == "event.deleted" {
				entry.EventID = nil
			}
		}
		for _, p := range c.Params {
			// A token in a path is a credential (a mailed link): it never goes into the log.
			if p.Key != "slug" && p.Key != "token" {
				entry.Detail += " " + p.Key + "=" + p.Value
			}
		}
		if detail := c.GetString(auditDetailKey); detail != "" {
			entry.Detail += " " + detail
		}
		entry.Detail = strings.TrimSpace(entry.Detail)
		if c.Request.Method == http.MethodGet {
			entry.Detail += auditedQuery(c)
		}
		if notes, ok := c.Get(auditNotesKey); ok {
			entry.Detail += notes.(string)
		}
		if err := audit.Record(c.Request.Context(), s.pool, entry); err != nil {
			s.log.ErrorContext(c.Request.Context(), "audit log", "request_id", requestID(c), "error", err)
		}
	}
}

// auditNotesKey holds what a handler adds to its audit entry: what exactly it changed
// (change=approved,highlighted) or wrote (format=csv), which neither the route nor its
// parameters tell.
const auditNotesKey = "podium.audit.notes"

// auditSkipKey marks a request that succeeded without changing anything, which the log leaves out.
const auditSkipKey = "podium.audit.skip"

// noteAudit adds key=value to the detail of the request's audit entry. The values are Podium's
// own words (see auditChanges), never a person's input.
func noteAudit(c *gin.Context, key, value string) {
	if value == "" {
		return
	}
	notes := c.GetString(auditNotesKey)
	c.Set(auditNotesKey, notes+" "+key+"="+value)
}

// auditChanges are the changes an entry of an action may note, each worded in the catalogs as
// "audit.<action>.<change>" ("audit.question.moderated.approved": "Frage freigegeben").
var auditChanges = map[string][]string{
	"question.moderated":      {"approved", "rejected", "pending", "highlighted", "unhighlighted", "answered", "unanswered", "edited"},
	"poll.updated":            {"draft", "open", "closed", "shown", "hidden", "presented", "unpresented", "edited"},
	"registration.changed":    {"confirmed", "waitlisted", "cancelled", "attended", "not_attended"},
	"registration.reinstated": {"confirmed", "waitlisted"},
}

// questionChanges names what a moderator's change does, for the audit log.
func questionChanges(ch qa.Change) string {
	var out []string
	if ch.Status != nil {
		out = append(out, *ch.Status)
	}
	out = append(out, either(ch.Highlighted, "highlighted", "unhighlighted"), either(ch.Answered, "answered", "unanswered"))
	if ch.Text != nil {
		out = append(out, "edited")
	}
	return joinNonEmpty(out)
}

// pollChanges names what a change of a poll does, for the audit log.
func pollChanges(ch poll.Change) string {
	var out []string
	if ch.State != nil {
		out = append(out, *ch.State)
	}
	out = append(out, either(ch.ResultsVisible, "shown", "hidden"), either(ch.OnPresenter, "presented", "unpresented"))
	if ch.Question != nil || ch.Explanation != nil || ch.Options != nil {
		out = append(out, "edited")
	}
	return joinNonEmpty(out)
}

// registrationChanges names what an organizer's change of a registration does, for the audit log.
func registrationChanges(ch registration.Change) string {
	var out []string
	if ch.Status != nil {
		out = append(out, *ch.Status)
	}
	return joinNonEmpty(append(out, either(ch.Attended, "attended", "not_attended")))
}

// either is yes or no after a flag that is set, "" for one that is not.
func either(flag *bool, yes, no string) string {
	switch {
	case flag == nil:
		return ""
	case *flag:
		return yes
	}
	return no
}

func joinNonEmpty(words []string) string {
	return strings.Join(slices.DeleteFunc(words, func(w string) bool { return w == "" }), ",")
}

// auditedParams are the query parameters an audit entry keeps, because they say what was done
// (which registrations, in which form). Anything else in a URL may name a person, whose name
// would then outlive their erasure in the log.
var auditedParams = []string{"status", "delimiter", "lang"}

func auditedQuery(c *gin.Context) string {
	var b strings.Builder
	for _, name := range auditedParams {
		if v, ok := c.GetQuery(name); ok {
			b.WriteString(" " + name + "=" + v)
		}
	}
	return b.String()
}

func (s *Server) auditRoutes(api *gin.RouterGroup) {
	s.eventRoute(api, "GET", "/events/:slug/audit", needOrganizer, s.listAudit)
	s.eventRoute(api, "GET", "/events/:slug/mail", needOrganizer, s.listDeliveries)
	s.eventRoute(api, "POST", "/events/:slug/mail/:id/retry", needOrganizer, s.retryDelivery, s.audited("mail.retried"))
}

func (s *Server) listAudit(c *gin.Context, e *event.Event) {
	entries, err := audit.ForEvent(c.Request.Context(), s.pool, e.ID, auditLimit)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, page[audit.Entry]{Items: entries})
}

func (s *Server) listDeliveries(c *gin.Context, e *event.Event) {
	status := c.Query("status")
	switch status {
	case "", "queued", "retrying", "sent", "failed", "dropped":
	default:
		v := &domain.ValidationError{}
		v.Problem("status", "one_of", domain.Params{"Values": "queued, retrying, sent, failed, dropped"}, "must be queued, retrying, sent, failed or dropped")
		s.respondError(c, v)
		return
	}
	ds, err := outbox.Deliveries(c.Request.Context(), s.pool, registration.Recipients(e.ID), status, auditLimit)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, page[outbox.Delivery]{Items: ds})
}

func (s *Server) retryDelivery(c *gin.Context, e *event.Event) {
	id, err := idParam(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	if err := outbox.Requeue(c.Request.Context(), s.pool, registration.Recipients(e.ID), id); err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, gin.H{"id": id, "status": "queued"})
}
