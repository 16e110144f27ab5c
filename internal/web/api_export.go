package web

import (
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/export"
)

func (s *Server) exportRoutes(e *gin.Engine) {
	// An export of 100,000 attendees takes longer than the request timeout of other calls.
	api := e.Group("/api/v1", s.authenticate)
	s.eventRoute(api, "GET", "/events/:slug/attendees.csv", needOrganizer, s.exportAttendees("csv"), s.audited("attendees.exported"))
	s.eventRoute(api, "GET", "/events/:slug/attendees.xlsx", needOrganizer, s.exportAttendees("xlsx"), s.audited("attendees.exported"))
	s.eventRoute(api, "GET", "/events/:slug/certificates.zip", needOrganizer, s.certificatesZIP, s.audited("certificates.exported"))
	s.eventRoute(api, "GET", "/events/:slug/polls.csv", needOrganizer, s.exportPolls("csv"), s.audited("polls.exported"))
	s.eventRoute(api, "GET", "/events/:slug/polls.xlsx", needOrganizer, s.exportPolls("xlsx"), s.audited("polls.exported"))
}

// exportPolls writes the event's polls with their results: each option with its count and
// percentage, every free-text answer. Answers carry nobody's name, so nothing personal is in it.
func (s *Server) exportPolls(format string) func(*gin.Context, *event.Event) {
	return func(c *gin.Context, e *event.Event) {
		opt, err := fileOptions(c)
		if err != nil {
			s.respondError(c, err)
			return
		}
		noteAudit(c, "format", format)
		s.download(c, e.Slug+"-umfragen", format, func(w io.Writer) error {
			if format == "csv" {
				return export.WritePollsCSV(c.Request.Context(), s.pool, w, e, opt)
			}
			return export.WritePollsXLSX(c.Request.Context(), s.pool, w, e, opt)
		})
	}
}

// fileTypes are the content types of the downloads, by format.
var fileTypes = map[string]string{
	"csv":  "text/csv; charset=utf-8",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// download streams a file the organizer keeps: private, named name.format, written by write
// as it goes. It tells whether the whole file went out.
func (s *Server) download(c *gin.Context, name, format string, write func(io.Writer) error) bool {
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	c.Header("Content-Type", fileTypes[format])
	c.Status(http.StatusOK)
	if err := write(c.Writer); err != nil {
		s.exportFailed(c, err)
		return false
	}
	return true
}

// fileOptions reads ?delimiter= and ?lang= of a download.
func fileOptions(c *gin.Context) (export.Options, error) {
	opt := export.Options{Lang: c.Query("lang")}
	v := &domain.ValidationError{}
	switch c.DefaultQuery("delimiter", "comma") {
	case "comma":
		opt.Delimiter = ','
	case "semicolon":
		opt.Delimiter = ';'
	default:
		v.Problem("delimiter", "one_of", domain.Params{"Values": "comma, semicolon"}, "must be comma or semicolon")
	}
	if opt.Lang != "" && opt.Lang != "de" && opt.Lang != "en" {
		v.Problem("lang", "one_of", domain.Params{"Values": "de, en"}, "must be de or en")
	}
	return opt, v.OrNil()
}

// exportAttendees streams the attendee list; the options are checked before the first byte,
// so a bad one is still a problem+json answer.
func (s *Server) exportAttendees(format string) func(*gin.Context, *event.Event) {
	return func(c *gin.Context, e *event.Event) {
		statuses, err := export.ParseStatus(c.Query("status"))
		if err != nil {
			s.respondError(c, err)
			return
		}
		opt, err := fileOptions(c)
		if err != nil {
			s.respondError(c, err)
			return
		}
		opt.Statuses = statuses
		ctx := c.Request.Context()
		noteAudit(c, "format", format)
		complete := s.download(c, e.Slug+"-teilnehmende", format, func(w io.Writer) error {
			if format == "csv" {
				return export.WriteCSV(ctx, s.pool, w, e, opt)
			}
			return export.WriteXLSX(ctx, s.pool, w, e, opt)
		})
		if !complete {
			return
		}
		s.log.InfoContext(ctx, "attendees exported", "request_id", requestID(c), "event_id", e.ID, "format", format)
	}
}

// exportFailed ends an export that failed. Before its first byte it is an ordinary error
// answer. After, the file's last line already says it is incomplete; the connection is then
// broken off instead of ending the response, so browsers and curl report a failed download
// rather than a complete one, and the audit log records no export.
func (s *Server) exportFailed(c *gin.Context, err error) {
	if !c.Writer.Written() {
		c.Writer.Header().Del("Content-Disposition")
		s.respondError(c, err)
		return
	}
	s.log.ErrorContext(c.Request.Context(), "export failed midway", "request_id", requestID(c), "error", err)
	c.Writer.Flush()
	panic(http.ErrAbortHandler)
}
