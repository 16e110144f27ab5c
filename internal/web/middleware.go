package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"
)

// requestTimeout bounds the work of one API request, database queries included.
const requestTimeout = 15 * time.Second

const requestIDKey = "request_id"

// incomingID accepts a request id from a proxy only if it looks like one, so that logs stay clean.
var incomingID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID tags each request with an id, taken from X-Request-ID when a proxy set a sane one.
func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !incomingID.MatchString(id) {
		b := make([]byte, 8)
		rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-ID", id)
	c.Next()
}

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// routeLabel names the request by its route pattern; unmatched paths share one name, so that
// scanners can neither flood the metrics with series nor put paths into the logs.
func routeLabel(c *gin.Context) string {
	if route := c.FullPath(); route != "" {
		return route
	}
	return "unmatched"
}

// recover turns a panic into a logged 500 instead of a dropped connection.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.respondError(c, fmt.Errorf("panic: %v", v))
		}
	}()
	c.Next()
}

// logRequests writes one line per request. It logs the route pattern, never the path, because
// paths can carry secret tokens; and no query strings, addresses or bodies, which can carry
// personal data.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.log.InfoContext(c.Request.Context(), "request",
		"request_id", requestID(c),
		"method", c.Request.Method,
		"route", routeLabel(c),
		"status", c.Writer.Status(),
		"bytes", c.Writer.Size(),
		"duration_ms", float64(time.Since(start).Microseconds())/1000,
	)
}

// contentSecurityPolicy allows the page's own styles, scripts and images and nothing else,
// and no framing by other sites.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// hstsMaxAge tells browsers to use https only for a year; sent only when the service's public
// address is https, since over plain http the header means nothing and would be ignored.
const hstsMaxAge = "max-age=31536000"

func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	if s.cfg.BaseURL.Scheme == "https" {
		h.Set("Strict-Transport-Security", hstsMaxAge)
	}
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	// Pages and their data are for the person who asked; a response that may be shared (a
	// static file, the public calendar feed) says so itself.
	h.Set("Cache-Control", "private, no-cache")
	c.Next()
}

// timeout bounds the request's context, and with it every query the request runs.
func (s *Server) timeout(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}
