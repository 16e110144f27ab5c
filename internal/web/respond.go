package web

import (
	"encoding/json"
	"fmt"

	"github.com/gin-gonic/gin"
)

// writeJSON sends v as JSON with status. It encodes first and sends after, so that a value that
// cannot be encoded (a time past the year 9999, say) becomes a logged 500 problem instead of a
// 200 with an empty body, which is what gin's c.JSON leaves when encoding fails.
func (s *Server) writeJSON(c *gin.Context, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.respondError(c, fmt.Errorf("web: encode the response: %w", err))
		return
	}
	s.writeBody(c, status, "application/json; charset=utf-8", body)
}

// writeEncoded is writeBody for a body compressed beforehand, in the encoding the client takes.
func (s *Server) writeEncoded(c *gin.Context, status int, contentType string, body *encodedBody) {
	b, _ := body.choose(c)
	s.writeBody(c, status, contentType, b)
}

// writeBody sends a complete body with status and content type. A body that does not reach the
// client (it hung up, or the network failed) can no longer be answered otherwise; it is logged.
func (s *Server) writeBody(c *gin.Context, status int, contentType string, body []byte) {
	c.Header("Content-Type", contentType)
	c.Status(status)
	if _, err := c.Writer.Write(body); err != nil {
		s.log.WarnContext(c.Request.Context(), "response not delivered", "request_id", requestID(c),
			"route", routeLabel(c), "status", status, "error", err)
	}
}
