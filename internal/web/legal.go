package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/legal"
	"github.com/podium-events/podium/internal/registration"
)

// legalView is one of the legal pages.
type legalView struct {
	Page *legal.Page
}

// consentTexts are the texts the registration form asks people to agree to, and whether this
// process has kept them in the database yet (once, before the first registration that names
// them).
type consentTexts struct {
	legal.Consent
	mu       sync.Mutex
	recorded atomic.Bool
}

func (s *Server) loadLegal() error {
	pages, err := legal.Load(s.cfg.LegalDir, legal.Facts{BaseURL: s.cfg.BaseURL.String(),
		RetentionDays: s.cfg.RetentionDays, ConfirmHours: int(s.cfg.ConfirmWithin.Hours())})
	if err != nil {
		return err
	}
	var examples []string
	for _, name := range legal.Names {
		if pages[name].Example {
			examples = append(examples, name)
		}
	}
	if len(examples) > 0 {
		s.log.Warn("legal pages show Podium's example texts: put your own into PODIUM_LEGAL_DIR", "pages", strings.Join(examples, ","))
	}
	s.legal = pages
	consent := func(lang string) string {
		return s.messages.T(lang, "form.consent", nil) + "\n" + s.messages.T(lang, "form.privacy", map[string]any{"Days": s.cfg.RetentionDays})
	}
	s.consent = &consentTexts{Consent: legal.NewConsent(consent("de"), consent("en"), pages[legal.Privacy].Source)}
	return nil
}

func (s *Server) legalRoutes(pages *gin.RouterGroup) {
	for _, name := range legal.Names {
		pages.GET("/"+name, func(c *gin.Context) {
			s.renderPage(c, http.StatusOK, "legal", s.messages.T(pageLang(c), "legal."+name, nil), legalView{Page: s.legal[name]})
		})
	}
}

// consentVersion is the version of the texts a registration made now agrees to, kept in the
// database first so that the registration can name it.
func (s *Server) consentVersion(ctx context.Context) (string, error) {
	t := s.consent
	if t.recorded.Load() {
		return t.Version, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.recorded.Load() {
		if err := t.Record(ctx, s.pool); err != nil {
			return "", err
		}
		t.recorded.Store(true)
	}
	return t.Version, nil
}

// disclosurePage answers GET /r/{token}/data, disclosure the API's /registrations/{token}/data:
// everything Podium holds about the registration, as a JSON file to keep, indented for a person
// to read.
func (s *Server) disclosurePage(c *gin.Context) { s.disclose(c, s.pageError) }

func (s *Server) disclosure(c *gin.Context) { s.disclose(c, s.respondError) }

func (s *Server) disclose(c *gin.Context, fail func(*gin.Context, error)) {
	d, err := registration.Disclose(c.Request.Context(), s.pool, c.Param("token"), s.cfg.RetentionDays, s.now())
	if err != nil {
		fail(c, err)
		return
	}
	body, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="podium-anmeldung-`+strconv.FormatInt(d.Registration.ID, 10)+`.json"`)
	s.writeBody(c, http.StatusOK, "application/json; charset=utf-8", body)
}
