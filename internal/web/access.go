package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
)

const (
	userKey  = "user"
	eventKey = "event"
	// cachedEventKey marks a route whose event may come from the event cache.
	cachedEventKey = "cached_event"
)

// What a route needs of its caller on the event it names; see auth.Need.
const (
	needNothing   = auth.NeedNothing
	needOrganizer = auth.NeedOrganizer
)

// authenticate finds the user behind an `Authorization: Bearer` token, or else behind the
// session cookie of a browser login. A request without either goes on anonymously; a bad token
// is refused, so that a script notices at once, while a stale cookie is just forgotten.
func (s *Server) authenticate(c *gin.Context) {
	header := c.GetHeader("Authorization")
	if header == "" {
		if err := s.sessionUser(c); err != nil {
			s.respondError(c, err)
			return
		}
		c.Next()
		return
	}
	secret, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		s.respondError(c, errInvalidToken)
		return
	}
	u, err := auth.UserByToken(c.Request.Context(), s.pool, strings.TrimSpace(secret))
	if errors.Is(err, auth.ErrInvalidToken) {
		s.respondError(c, errInvalidToken)
		return
	}
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.Set(userKey, u)
	c.Next()
}

// sessionOnly authenticates pages: by session cookie only, as browsers do.
func (s *Server) sessionOnly(c *gin.Context) {
	if err := s.sessionUser(c); err != nil {
		s.pageError(c, err)
		c.Abort()
		return
	}
	c.Next()
}

// sessionUser sets the user of a live session cookie, if there is one. A cookie of no live
// session is forgotten; when the sessions cannot be read (the database is away), the cookie
// stays and the error is returned, so that nobody is logged out by an outage.
func (s *Server) sessionUser(c *gin.Context) error {
	secret, err := c.Cookie(sessionCookie)
	if err != nil || secret == "" {
		return nil
	}
	u, err := auth.UserBySession(c.Request.Context(), s.pool, secret, s.now())
	if errors.Is(err, auth.ErrNotFound) {
		s.setSessionCookie(c, "", -1)
		return nil
	}
	if err != nil {
		return fmt.Errorf("web: session lookup: %w", err)
	}
	c.Set(userKey, u)
	return nil
}

func currentUser(c *gin.Context) *auth.User {
	u, _ := c.Get(userKey)
	user, _ := u.(*auth.User)
	return user
}

// withEvent loads the event named by :slug, checks that the caller may see it and has what the
// route needs, and hands it to next. Every route on an event goes through here, so that the
// permission rules are applied in exactly one place.
// routes is what eventRoute registers on: the engine or a group.
type routes interface {
	gin.IRoutes
	BasePath() string
}

// RoutePermission is one route of an event and what its caller needs. Page tells a browser page
// (session login, answers in HTML) from a route of the API.
type RoutePermission struct {
	Method, Path string
	Need         auth.Need
	Page         bool
}

// eventRoute registers a route of one event (/events/:slug/...) with what its caller needs, so
// that every permission is declared where the route is, and listed by Permissions.
func (s *Server) eventRoute(g routes, method, path string, need auth.Need, h func(*gin.Context, *event.Event), middleware ...gin.HandlerFunc) {
	full := strings.TrimSuffix(g.BasePath(), "/") + path
	s.permissions = append(s.permissions, RoutePermission{Method: method, Path: full, Need: need})
	g.Handle(method, path, append(middleware, s.withEvent(need, h))...)
}

// eventPageRoute is eventRoute for a page of one event. A page that needs a role is private: it is
// not cached or indexed, and a visitor without a login is sent to the login page.
func (s *Server) eventPageRoute(g routes, method, path string, need auth.Need, h func(*gin.Context, *event.Event), middleware ...gin.HandlerFunc) {
	full := strings.TrimSuffix(g.BasePath(), "/") + path
	s.permissions = append(s.permissions, RoutePermission{Method: method, Path: full, Need: need, Page: true})
	if need != auth.NeedNothing {
		middleware = append([]gin.HandlerFunc{privatePage, s.requireLogin}, middleware...)
	}
	g.Handle(method, path, append(middleware, s.withPageEvent(need, h))...)
}

// Permissions lists every event route with what it needs, for the permission table test and for
// the README.
func (s *Server) Permissions() []RoutePermission {
	return append([]RoutePermission(nil), s.permissions...)
}

func (s *Server) withEvent(need auth.Need, next func(*gin.Context, *event.Event)) gin.HandlerFunc {
	return func(c *gin.Context) {
		e, err := s.eventFor(c, need)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.Set(eventKey, e)
		next(c, e)
		s.forgetChanged(c, need, e)
	}
}

func (s *Server) withPageEvent(need auth.Need, next func(*gin.Context, *event.Event)) gin.HandlerFunc {
	return func(c *gin.Context) {
		e, err := s.eventFor(c, need)
		if err != nil {
			s.pageError(c, err)
			return
		}
		c.Set(eventKey, e)
		next(c, e)
		s.forgetChanged(c, need, e)
	}
}

// forgetChanged drops the cached copy of an event after a request that may have changed it (any
// but a GET by someone with a role for it), so that organizers see their change at once.
func (s *Server) forgetChanged(c *gin.Context, need auth.Need, e *event.Event) {
	if need != auth.NeedNothing && c.Request.Method != http.MethodGet {
		s.events.Forget(e.Slug)
	}
}

// eventFor returns the event of the request if the caller may have it for need. Drafts exist
// only for their organizers: to everyone else they are 404, not 403.
func (s *Server) eventFor(c *gin.Context, need auth.Need) (*event.Event, error) {
	return s.eventBySlug(c, c.Param("slug"), need)
}

// cachedEvent lets the route read its event from the cache, a copy up to a second old. The
// registration does, whose statement checks the event's version and which reads the event again
// when it changed (registerFor); a vote, whose statement checks the event is still published; and
// the audience's questions page, which may show an event's change a second late. In a rush that
// spares every request but one a second a round trip.
func cachedEvent(c *gin.Context) {
	c.Set(cachedEventKey, true)
	c.Next()
}

// eventBySlug is eventFor with the slug given.
func (s *Server) eventBySlug(c *gin.Context, slug string, need auth.Need) (*event.Event, error) {
	ctx := c.Request.Context()
	read := event.BySlug
	if c.GetBool(cachedEventKey) {
		read = s.events.BySlug
	}
	e, err := read(ctx, s.pool, slug)
	if err != nil {
		return nil, err
	}
	u := currentUser(c)
	if !e.IsPublic() {
		ok, err := auth.Allowed(ctx, s.pool, u, e.ID, auth.NeedOrganizer)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, domain.ErrNotFound
		}
	}
	if need == auth.NeedNothing {
		return e, nil
	}
	if u == nil {
		return nil, errUnauthenticated
	}
	ok, err := auth.Allowed(ctx, s.pool, u, e.ID, need)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.ErrForbidden
	}
	return e, nil
}
