package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
)

// problem is an RFC 9457 problem details body.
type problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail,omitempty"`
	Errors []domain.FieldError `json:"errors,omitempty"`
}

// Errors of the HTTP layer itself; the domain's errors are mapped in respondError.
var (
	errUnauthenticated = errors.New("authentication required: send Authorization: Bearer <api-token>")
	errInvalidToken    = errors.New("the API token is invalid or revoked")
)

// malformedError is a request body that is not the JSON it should be.
type malformedError struct{ detail string }

func (e *malformedError) Error() string { return e.detail }

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
		p.Detail = conflict.Message
		if conflict.Field != "" {
			p.Errors = []domain.FieldError{{Field: conflict.Field, Message: conflict.Message}}
		}
	case errors.As(err, &limited):
		retry := limited.seconds()
		p.Status, p.Type, p.Title = http.StatusTooManyRequests, "urn:podium:problem:rate-limited", "Too many requests"
		p.Detail = "Too many requests from your address; please try again in " + retry + " seconds."
		c.Header("Retry-After", retry)
	case errors.Is(err, errUnauthenticated), errors.Is(err, errInvalidToken):
		p.Status, p.Type, p.Title = http.StatusUnauthorized, "urn:podium:problem:unauthenticated", "Not authenticated"
		p.Detail = err.Error()
		c.Header("WWW-Authenticate", `Bearer realm="podium"`)
	case errors.Is(err, domain.ErrForbidden):
		p.Status, p.Type, p.Title = http.StatusForbidden, "urn:podium:problem:forbidden", "Forbidden"
		p.Detail = "You may not do this."
	case errors.Is(err, domain.ErrNotFound):
		p.Status, p.Type, p.Title = http.StatusNotFound, "urn:podium:problem:not-found", "Not found"
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
