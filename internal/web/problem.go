package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/db"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/qa"
)

// problem is an RFC 9457 problem details body.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Code and Params name a conflict with the current state, as FieldError does for a field,
	// so that clients can tell conflicts apart and word them themselves.
	Code   string              `json:"code,omitempty"`
	Params domain.Params       `json:"params,omitempty"`
	Errors []domain.FieldError `json:"errors,omitempty"`
}

// Errors of the HTTP layer itself; the domain's errors are mapped in respondError.
var (
	errUnauthenticated = errors.New("authentication required: send Authorization: Bearer <api-token>")
	errInvalidToken    = errors.New("the API token is invalid or revoked")
	// errNoParticipant is a vote from a client that never opened the questions page, which
	// sets the participant cookie: one request must not mint a new voter.
	errNoParticipant = errors.New("a vote needs the podium_participant cookie: open the event's questions page (or GET its questions) first")
)

// malformedError is a request body that is not the JSON it should be.
type malformedError struct{ detail string }

func (e *malformedError) Error() string { return e.detail }

// unavailableRetryAfter is when a client should try again while the database is unreachable:
// a restart or failover takes seconds, and a flood of immediate retries helps nobody.
const unavailableRetryAfter = "10"

// logUnavailable notes a request that failed because the database is away: a warning about the
// surroundings, not an error of the code.
func (s *Server) logUnavailable(c *gin.Context, err error) {
	s.log.WarnContext(c.Request.Context(), "database unavailable", "request_id", requestID(c),
		"route", c.FullPath(), "error", err)
}

// respondError turns any error into a problem+json response: the one place where errors become
// status codes. Server errors are logged with the request id and explained to no one.
func (s *Server) respondError(c *gin.Context, err error) {
	p := problem{Type: "about:blank"}
	var (
		validation *domain.ValidationError
		conflict   *domain.ConflictError
		malformed  *malformedError
		badText    *badTextError
		tooLarge   *http.MaxBytesError
		limited    *rateLimitedError
	)
	switch {
	case errors.As(err, &validation):
		p.Status, p.Type, p.Title = http.StatusUnprocessableEntity, "urn:podium:problem:validation", "Validation failed"
		p.Detail = "One or more fields are invalid; nothing was changed."
		p.Errors = validation.Fields
	case errors.As(err, &tooLarge):
		p.Status, p.Type, p.Title = http.StatusRequestEntityTooLarge, "urn:podium:problem:too-large", "Request body too large"
		p.Detail = "The request body may be at most " + strconv.FormatInt(tooLarge.Limit, 10) + " bytes."
	case errors.As(err, &malformed):
		p.Status, p.Type, p.Title = http.StatusBadRequest, "urn:podium:problem:malformed", "Malformed request"
		p.Detail = malformed.detail
	case errors.As(err, &badText):
		p.Status, p.Type, p.Title = http.StatusBadRequest, "urn:podium:problem:malformed", "Malformed request"
		p.Detail = "Path, query or form parameters must be UTF-8 text without NUL characters."
		p.Errors = badText.fields
	case errors.As(err, &conflict):
		p.Status, p.Type, p.Title = http.StatusConflict, "urn:podium:problem:conflict", "Conflict"
		p.Detail, p.Code, p.Params = conflict.Message, conflict.Code, conflict.Params
		if conflict.Field != "" {
			p.Errors = []domain.FieldError{{Field: conflict.Field, Code: conflict.Code, Params: conflict.Params, Message: conflict.Message}}
		}
	case errors.As(err, &limited):
		retry := limited.seconds()
		p.Status, p.Type, p.Title = http.StatusTooManyRequests, "urn:podium:problem:rate-limited", "Too many requests"
		p.Detail = "Too many requests from your address; please try again in " + retry + " seconds."
		c.Header("Retry-After", retry)
	case errors.As(err, new(streamsFullError)), errors.Is(err, qa.ErrClosed):
		p.Status, p.Type, p.Title = http.StatusServiceUnavailable, "urn:podium:problem:unavailable", "Service unavailable"
		p.Detail = err.Error() + "; please try again shortly."
		c.Header("Retry-After", strconv.Itoa(int(streamRetry/time.Second)))
	case errors.Is(err, errNoParticipant):
		p.Status, p.Type, p.Title = http.StatusForbidden, "urn:podium:problem:no-participant", "Participant unknown"
		p.Detail = err.Error()
	case errors.Is(err, errUnauthenticated), errors.Is(err, errInvalidToken):
		p.Status, p.Type, p.Title = http.StatusUnauthorized, "urn:podium:problem:unauthenticated", "Not authenticated"
		p.Detail = err.Error()
		c.Header("WWW-Authenticate", `Bearer realm="podium"`)
	case errors.Is(err, domain.ErrForbidden):
		p.Status, p.Type, p.Title = http.StatusForbidden, "urn:podium:problem:forbidden", "Forbidden"
		p.Detail = "You may not do this."
	case errors.Is(err, domain.ErrNotFound):
		p.Status, p.Type, p.Title = http.StatusNotFound, "urn:podium:problem:not-found", "Not found"
	case errors.Is(err, domain.ErrStale):
		p.Status, p.Type, p.Title = http.StatusPreconditionFailed, "urn:podium:problem:precondition-failed", "Precondition failed"
		p.Detail = "It was changed since you read it: its ETag no longer matches If-Match. Read it again and repeat your change; nothing was changed."
	case db.IsUnavailable(err):
		p.Status, p.Type, p.Title = http.StatusServiceUnavailable, "urn:podium:problem:unavailable", "Service unavailable"
		p.Detail = "The service cannot reach its database right now; please try again in " + unavailableRetryAfter + " seconds."
		c.Header("Retry-After", unavailableRetryAfter)
		s.logUnavailable(c, err)
	default:
		p.Status, p.Title = http.StatusInternalServerError, "Internal server error"
		p.Detail = "Something went wrong on our side. The request id is " + requestID(c) + "."
		s.log.ErrorContext(c.Request.Context(), "request failed", "request_id", requestID(c),
			"route", c.FullPath(), "error", err)
	}
	c.Abort()
	body, err := json.Marshal(p)
	if err != nil {
		s.log.ErrorContext(c.Request.Context(), "encode a problem", "request_id", requestID(c), "error", err)
		p.Status, body = http.StatusInternalServerError, []byte(`{"type":"about:blank","title":"Internal server error","status":500}`)
	}
	s.writeBody(c, p.Status, "application/problem+json", body)
}
