package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/notice"
	"github.com/podium-events/podium/internal/outbox"
	"github.com/podium-events/podium/internal/registration"
)

// noticeGroups are the groups an organizer can write to, in the order the form offers them.
var noticeGroups = []string{registration.GroupConfirmed, registration.GroupWaitlisted, registration.GroupAttended}

// noticesShown is how many sent notices the dashboard and the message page list.
const noticesShown = 50

// sentNotice is a notice as organizers see it afterwards: what became of its mails.
type sentNotice struct {
	notice.Notice
	// Delivery counts its mails by state: queued, retrying, sent, failed, dropped.
	Delivery map[string]int `json:"delivery"`
}

// Waiting counts the mails still to go out, for the first time or again.
func (n sentNotice) Waiting() int { return n.Delivery["queued"] + n.Delivery["retrying"] }

// noticePreview is what a notice will do: how many it reaches, and its mail in each language
// among them.
type noticePreview struct {
	Recipients int            `json:"recipients"`
	Languages  map[string]int `json:"languages"`
	Mails      []mail.Preview `json:"previews"`
}

// noticeForm is the message form with what the organizer typed and what is wrong with it.
type noticeForm struct {
	Group, Subject, Text string
	Errors               map[string]string // by field: group, subject, text
}

// noticeView is the page that writes to attendees: the form, a preview, the notices sent.
type noticeView struct {
	Event   *event.Event
	Groups  []string
	Sizes   map[string]int
	Form    noticeForm
	Preview *noticePreview
	// Conflict says why a notice could not be sent (nobody in the group, the daily limit).
	Conflict string
	// Just is the notice sent a moment ago.
	Just *notice.Notice
	Sent []sentNotice
	// The limits, for the form's hints.
	MaxSubject, MaxText, MaxPerDay int
}

func (s *Server) noticePageRoutes(admin *gin.RouterGroup) {
	s.eventPageRoute(admin, "GET", "/events/:slug/message", needOrganizer, s.noticePage)
	s.eventPageRoute(admin, "POST", "/events/:slug/message/preview", needOrganizer, s.noticePreviewPage)
	s.eventPageRoute(admin, "POST", "/events/:slug/message", needOrganizer, s.noticeSendPage, s.audited("message.sent"))
}

func (s *Server) noticeRoutes(api routes) {
	s.eventRoute(api, "GET", "/events/:slug/messages", needOrganizer, s.listNotices)
	s.eventRoute(api, "POST", "/events/:slug/messages/preview", needOrganizer, s.previewNoticeAPI)
	s.eventRoute(api, "POST", "/events/:slug/messages", needOrganizer, s.sendNotice, s.audited("message.sent"))
}

// sentNotices lists the event's notices with the state of their mails.
func (s *Server) sentNotices(ctx context.Context, eventID int64) ([]sentNotice, error) {
	ns, err := notice.List(ctx, s.pool, eventID, noticesShown)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	counts, err := outbox.NoticeCounts(ctx, s.pool, ids)
	if err != nil {
		return nil, err
	}
	out := make([]sentNotice, len(ns))
	for i, n := range ns {
		out[i] = sentNotice{Notice: n, Delivery: counts[n.ID]}
		if out[i].Delivery == nil {
			out[i].Delivery = map[string]int{}
		}
	}
	return out, nil
}

// previewNotice checks a notice and renders its mail for each language among its recipients
// (in lang when it has none), as the recipients will read it.
func (s *Server) previewNotice(ctx context.Context, e *event.Event, in *notice.Input, lang string) (*noticePreview, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	languages, err := notice.Audience(ctx, s.pool, e.ID, in.Group)
	if err != nil {
		return nil, err
	}
	p := &noticePreview{Languages: languages}
	n := &notice.Notice{EventID: e.ID, Group: in.Group, Subject: in.Subject, Text: in.Text}
	status := registration.StatusConfirmed
	if in.Group == registration.GroupWaitlisted {
		status = registration.StatusWaitlisted
	}
	for _, l := range []string{"de", "en"} {
		p.Recipients += languages[l]
		if languages[l] == 0 && (len(languages) > 0 || l != lang) {
			continue
		}
		m, err := s.mail.PreviewNotice(e, n, l, status, s.messages.T(l, "notice.preview.name", nil), s.now())
		if err != nil {
			return nil, err
		}
		p.Mails = append(p.Mails, m)
	}
	return p, nil
}

func noticeInputOf(c *gin.Context) notice.Input {
	return notice.Input{Group: c.PostForm("group"), Subject: c.PostForm("subject"), Text: c.PostForm("text")}
}

func (s *Server) noticePage(c *gin.Context, e *event.Event) {
	v := noticeView{Form: noticeForm{Group: registration.GroupConfirmed}}
	if id, err := strconv.ParseInt(c.Query("sent"), 10, 64); err == nil {
		n, err := notice.ByID(c.Request.Context(), s.pool, id)
		if err == nil && n.EventID == e.ID {
			v.Just = n
		}
	}
	s.renderNotice(c, http.StatusOK, e, v)
}

func (s *Server) noticePreviewPage(c *gin.Context, e *event.Event) {
	in := noticeInputOf(c)
	v := noticeView{Form: noticeForm{Group: in.Group, Subject: in.Subject, Text: in.Text}}
	var err error
	v.Preview, err = s.previewNotice(c.Request.Context(), e, &in, pageLang(c))
	if s.noticeFormFailed(c, e, v, err) {
		return
	}
	v.Form = noticeForm{Group: in.Group, Subject: in.Subject, Text: in.Text}
	s.renderNotice(c, http.StatusOK, e, v)
}

func (s *Server) noticeSendPage(c *gin.Context, e *event.Event) {
	in := noticeInputOf(c)
	v := noticeView{Form: noticeForm{Group: in.Group, Subject: in.Subject, Text: in.Text}}
	n, err := notice.Send(c.Request.Context(), s.pool, e, in, s.now())
	if s.noticeFormFailed(c, e, v, err) {
		return
	}
	noteAudit(c, "group", n.Group)
	noteAudit(c, "recipients", strconv.Itoa(n.Recipients))
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/events/%s/message?sent=%d%s#gesendet", e.Slug, n.ID, langQuery(pageLang(c), "&")))
}

// noticeFormFailed shows the form again when err is bad input or a conflict, naming each
// field's problem next to it, and reports whether err ended the request.
func (s *Server) noticeFormFailed(c *gin.Context, e *event.Event, v noticeView, err error) bool {
	lang := pageLang(c)
	var invalid *domain.ValidationError
	var conflict *domain.ConflictError
	switch {
	case err == nil:
		return false
	case errors.As(err, &invalid):
		v.Form.Errors = map[string]string{}
		for _, f := range invalid.Fields {
			v.Form.Errors[f.Field] = s.problemText(lang, f)
		}
		s.renderNotice(c, http.StatusUnprocessableEntity, e, v)
	case errors.As(err, &conflict):
		v.Conflict = s.conflictText(lang, conflict)
		s.renderNotice(c, http.StatusConflict, e, v)
	default:
		s.pageError(c, err)
	}
	return true
}

func (s *Server) renderNotice(c *gin.Context, status int, e *event.Event, v noticeView) {
	ctx := c.Request.Context()
	v.Event, v.Groups = e, noticeGroups
	v.MaxSubject, v.MaxText, v.MaxPerDay = notice.MaxSubject, notice.MaxText, notice.MaxPerDay
	var err error
	if v.Sizes, err = registration.GroupSizes(ctx, s.pool, e.ID); err != nil {
		s.pageError(c, err)
		return
	}
	if v.Sent, err = s.sentNotices(ctx, e.ID); err != nil {
		s.pageError(c, err)
		return
	}
	s.renderPage(c, status, "message", s.messages.T(pageLang(c), "notice.title", nil)+" – "+e.Title, v)
}

// noticeFields names, for each JSON field of a notice, where its value goes.
func noticeFields(in *notice.Input) map[string]any {
	return map[string]any{"group": &in.Group, "subject": &in.Subject, "text": &in.Text}
}

func (s *Server) listNotices(c *gin.Context, e *event.Event) {
	sent, err := s.sentNotices(c.Request.Context(), e.ID)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, page[sentNotice]{Items: sent})
}

func (s *Server) previewNoticeAPI(c *gin.Context, e *event.Event) {
	var in notice.Input
	if err := readFields(c, noticeFields(&in)); err != nil {
		s.respondError(c, err)
		return
	}
	p, err := s.previewNotice(c.Request.Context(), e, &in, e.Language)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.writeJSON(c, http.StatusOK, p)
}

func (s *Server) sendNotice(c *gin.Context, e *event.Event) {
	var in notice.Input
	if err := readFields(c, noticeFields(&in)); err != nil {
		s.respondError(c, err)
		return
	}
	n, err := notice.Send(c.Request.Context(), s.pool, e, in, s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	noteAudit(c, "group", n.Group)
	noteAudit(c, "recipients", strconv.Itoa(n.Recipients))
	s.writeJSON(c, http.StatusAccepted, n)
}
