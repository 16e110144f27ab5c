package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// readyTimeout bounds the database check behind /readyz; a load balancer should not wait longer.
const readyTimeout = 2 * time.Second

// healthz answers as long as the process runs.
func (s *Server) healthz(c *gin.Context) {
	s.writeBody(c, http.StatusOK, "text/plain; charset=utf-8", []byte("ok\n"))
}

// readyz answers 200 when the database answers, else 503, so that a load balancer sends no
// traffic to a process that cannot serve it.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	if err := s.pool.PingContext(ctx); err != nil {
		s.log.WarnContext(ctx, "database unreachable", "error", err)
		c.Header("Retry-After", unavailableRetryAfter)
		s.writeBody(c, http.StatusServiceUnavailable, "text/plain; charset=utf-8", []byte("database unreachable\n"))
		return
	}
	s.writeBody(c, http.StatusOK, "text/plain; charset=utf-8", []byte("ready\n"))
}
