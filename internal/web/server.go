// Package web serves Podium over HTTP: the pages, the JSON API under /api/v1, health checks and
// metrics. Handlers check input, call one domain function and render; the rules live elsewhere.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	netmail "net/mail"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
	"github.com/klauspost/compress/gzhttp"
	"github.com/ulule/limiter/v3"

	"github.com/podium-events/podium/internal/calendar"
	"github.com/podium-events/podium/internal/config"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/i18n"
	"github.com/podium-events/podium/internal/legal"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/poll"
	"github.com/podium-events/podium/internal/qa"
)

// Server holds what the handlers share. It keeps no state of its own between requests, so any
// number of processes can serve the same database.
type Server struct {
	pool     *sqlx.DB
	cfg      *config.Config
	log      *slog.Logger
	now      func() time.Time
	metrics  *metrics
	pages    *pages
	assets   *assets
	compress func(http.Handler) http.HandlerFunc
	messages *i18n.Bundle
	calendar *calendar.Builder
	// mail renders mails for organizers to look at before they send them (the worker sends).
	mail    *mail.Renderer
	hub     *qa.Hub
	streams *streamLimits
	// newcomers keeps the questions page as people arriving see it, rendered once per change.
	newcomers audienceCache
	// legal are the Impressum, privacy and accessibility statements; consent what the
	// registration form asks people to agree to.
	legal   legal.Pages
	consent *consentTexts
	// registering admits registrations in arrival order, twice as many at once as the cores,
	// at most half the pool (see registrationTurns).
	registering turns
	// events serves the event of registrations, votes and the audience page from a copy up to a
	// second old (see cachedEvent).
	events *event.Cache
	// limiters are the rate limit counters by name, shared by the routes that use one name.
	limiters map[string]*limiter.Limiter
	// permissions are the event routes and what they need, as eventRoute registered them;
	// accountPermissions the same for the account pages (accountRoute).
	permissions        []RoutePermission
	accountPermissions []AccountPermission
	engine             *gin.Engine
}

// New builds the server and its routes. It fails when a template or message catalog is broken,
// so that a broken build never starts serving.
func New(pool *sqlx.DB, cfg *config.Config, log *slog.Logger, now func() time.Time) (*Server, error) {
	messages, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	s := &Server{pool: pool, cfg: cfg, log: log, now: now, messages: messages, calendar: calendar.New(cfg.BaseURL, messages),
		hub: qa.NewHub(pool, log, poll.Source{}), limiters: map[string]*limiter.Limiter{}, registering: newTurns(registrationTurns(cfg.DBMaxConns)), events: event.NewCache()}
	maxStreams := cfg.MaxStreams
	if maxStreams == 0 {
		maxStreams = streamBudget(cfg.DBMaxConns)
	}
	perAddress := maxStreamsPerAddress
	if !cfg.RateLimits {
		perAddress = 0
	}
	s.streams = newStreamLimits(maxStreams, perAddress)
	// Responses are compressed for clients that accept it (zstd or gzip), except the event
	// streams, which go out as they happen, and the static files, compressed once at start.
	s.compress, err = gzhttp.NewWrapper(gzhttp.ContentTypeFilter(func(ct string) bool {
		return !strings.HasPrefix(ct, "text/event-stream") && gzhttp.DefaultContentTypeFilter(ct)
	}))
	if err != nil {
		return nil, err
	}
	from := cfg.MailFrom
	if from == nil {
		from = &netmail.Address{Name: "Podium", Address: "podium@" + cfg.BaseURL.Hostname()}
	}
	if s.mail, err = mail.NewRenderer(messages, cfg.BaseURL, from); err != nil {
		return nil, err
	}
	if err := s.loadLegal(); err != nil {
		return nil, err
	}
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.pages, err = loadPages(messages, s.assets); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(pool)
	gin.SetMode(gin.ReleaseMode)
	s.engine = gin.New()
	s.engine.ContextWithFallback = true
	if err := s.engine.SetTrustedProxies(prefixStrings(cfg.TrustedProxies)); err != nil {
		return nil, fmt.Errorf("web: trusted proxies: %w", err)
	}
	s.routes()
	return s, nil
}

// Listen carries question changes of every process to this server's live streams, until ctx
// ends; run it beside the HTTP server.
func (s *Server) Listen(ctx context.Context) error {
	return s.hub.Run(ctx, s.cfg.DatabaseURL)
}

// Listening is closed once Listen receives changes.
func (s *Server) Listening() <-chan struct{} { return s.hub.Ready() }

// CloseStreams ends every live stream at once and refuses new ones; call it when shutting down,
// so that browsers reconnect to another process instead of holding this one open.
func (s *Server) CloseStreams() { s.hub.Close() }

// Handler returns the HTTP handler serving everything. Writes from another site are refused
// (Go's cross-origin protection reads Sec-Fetch-Site and Origin), so a session cookie or the
// participant cookie cannot be used by a foreign page; API clients send neither header.
func (s *Server) Handler() http.Handler {
	return s.compress(http.NewCrossOriginProtection().Handler(s.engine))
}

// MetricsHandler serves the Prometheus metrics on an address of their own (PODIUM_METRICS_ADDR);
// the main handler then has no /metrics.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.http())
	return mux
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func (s *Server) routes() {
	e := s.engine
	e.Use(s.requestID, s.recover, s.logRequests, s.metrics.observe, s.securityHeaders, s.checkRequestText)
	e.NoRoute(s.notFound)
	e.NoMethod(s.notFound)
	e.HandleMethodNotAllowed = false

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	if s.cfg.MetricsAddr == "" {
		e.GET("/metrics", s.metrics.handler())
	}
	e.GET("/static/*path", s.assets.serve)
	e.GET("/favicon.ico", s.assets.favicon)

	pages := e.Group("", s.timeout(requestTimeout), s.sessionOnly)
	pages.GET("/", s.homePage)
	s.legalRoutes(pages)
	pages.GET("/events.ics", s.calendarFeed)
	pages.GET("/events/:slug", s.eventPageOrCalendar)
	pages.POST("/events/:slug/registrations", s.limitPerAddress("registration", registrationRate), s.registering.inTurn, cachedEvent, s.registerPage)
	pages.GET("/events/:slug/registered", s.registeredPage)
	s.loginRoutes(pages)
	s.passwordRoutes(pages)
	s.accountRoutes(pages)
	s.questionPageRoutes(pages)
	s.adminRoutes(pages)

	manage := pages.Group("/r/:token", privatePage)
	manage.GET("", s.managePage)
	manage.GET("/confirm", s.confirmForm) // the link in the mail
	manage.POST("/confirm", s.confirmPage)
	manage.POST("/cancel", s.cancelPage)
	manage.POST("/delete", s.erasePage)
	manage.GET("/data", s.disclosurePage)
	s.certificateRoutes(pages, manage)
	// The personal join link: its token is a join token, not the manage token (see pages_join.go).
	manage.GET("/join", s.joinPage)
	manage.GET("/join.ics", s.joinCalendar)

	api := e.Group("/api/v1", s.timeout(requestTimeout), s.authenticate)
	api.GET("/events", s.listEvents)
	api.POST("/events", s.audited("event.created"), s.createEvent)
	s.eventRoute(api, "GET", "/events/:slug", needNothing, s.getEvent)
	s.eventRoute(api, "PATCH", "/events/:slug", needOrganizer, s.patchEvent, s.audited("event.updated"))
	s.eventRoute(api, "DELETE", "/events/:slug", needOrganizer, s.deleteEvent, s.audited("event.deleted"))
	s.eventRoute(api, "POST", "/events/:slug/cancel", needOrganizer, s.cancelEvent, s.audited("event.cancelled"))
	s.eventRoute(api, "GET", "/events/:slug/panelists", needNothing, s.listPanelists)
	s.eventRoute(api, "GET", "/events/:slug/agenda", needNothing, s.listAgenda)
	s.panelRoutes(api)
	s.eventRoute(api, "POST", "/events/:slug/registrations", needNothing, s.register, s.limitPerAddress("registration", registrationRate), s.registering.inTurn, cachedEvent)
	s.eventRoute(api, "GET", "/events/:slug/registrations", needOrganizer, s.listRegistrations)
	s.eventRoute(api, "PATCH", "/events/:slug/registrations/:id", needOrganizer, s.changeRegistration, s.audited("registration.changed"))
	s.eventRoute(api, "POST", "/events/:slug/registrations/:id/reinstate", needOrganizer, s.reinstateRegistration, s.audited("registration.reinstated"))
	s.attendanceRoutes(api)
	s.noticeRoutes(api)
	s.followupRoutes(api, manage)
	s.questionRoutes(e, api)
	s.pollRoutes(api)
	s.memberRoutes(api)
	s.exportRoutes(e)
	s.auditRoutes(api)

	// The manage token is the credential: whoever holds it manages that one registration.
	api.GET("/registrations/:token", s.getRegistration)
	api.GET("/registrations/:token/invite.ics", s.invite)
	api.GET("/registrations/:token/data", privatePage, s.disclosure)
	api.POST("/registrations/:token/confirm", s.confirmRegistration)
	api.POST("/registrations/:token/cancel", s.cancelRegistration)
	api.DELETE("/registrations/:token", s.eraseRegistration)
}
