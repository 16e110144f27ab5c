package web

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/ulule/limiter/v3"

	"github.com/podium-events/podium/internal/certificate"
	"github.com/podium-events/podium/internal/domain"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/registration"
)

// verifyRate bounds how many codes one address may try: enough for a personnel office checking
// a stack of certificates, far too few to guess one.
var verifyRate = limiter.Rate{Period: time.Minute, Limit: 30}

type verifyView struct {
	Code        string
	Certificate *certificate.Certificate
	// Tried tells that a code was asked for and none matched.
	Tried bool
}

// certificateRoutes: the organizers' ZIP is with the exports, which take longer than other
// requests may.
func (s *Server) certificateRoutes(pages, manage *gin.RouterGroup) {
	manage.GET("/certificate.pdf", s.certificatePDF)
	pages.GET("/verify", privatePage, s.verifyForm)
	pages.GET("/verify/:code", privatePage, s.limitPerAddress("verify", verifyRate), s.verifyPage)
}

// verifyURL is the address printed on each certificate, before its code.
func (s *Server) verifyURL() string { return s.cfg.BaseURL.JoinPath("verify").String() }

// hasCertificate tells whether the manage page offers a certificate: the person attended and the
// event took place and has ended.
func hasCertificate(r *registration.Registration, e *event.Event, now time.Time) bool {
	return r.Attended && e.Status == event.StatusPublished && !now.Before(e.EndsAt)
}

// certificatePDF answers /r/{token}/certificate.pdf: the holder's Teilnahmebescheinigung.
func (s *Server) certificatePDF(c *gin.Context) {
	ctx := c.Request.Context()
	r, err := registration.ByToken(ctx, s.pool, c.Param("token"))
	if err != nil {
		s.pageError(c, err)
		return
	}
	cert, err := certificate.Issue(ctx, s.pool, r.ID, s.now())
	if err != nil {
		s.pageError(c, err)
		return
	}
	var pdf bytes.Buffer
	if err := cert.WritePDF(&pdf, s.verifyURL()); err != nil {
		s.pageError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="Teilnahmebescheinigung-`+cert.Event.Slug+`.pdf"`)
	s.writeBody(c, http.StatusOK, "application/pdf", pdf.Bytes())
}

// verifyForm is where a code printed on a certificate is typed in.
func (s *Server) verifyForm(c *gin.Context) {
	if code := c.Query("code"); code != "" {
		if normal := certificate.NormalizeCode(code); normal != "" {
			c.Redirect(http.StatusSeeOther, "/verify/"+normal+langQuery(pageLang(c), "?"))
			return
		}
		s.renderPage(c, http.StatusNotFound, "verify", s.messages.T(pageLang(c), "verify.title", nil), verifyView{Code: code, Tried: true})
		return
	}
	s.renderPage(c, http.StatusOK, "verify", s.messages.T(pageLang(c), "verify.title", nil), verifyView{})
}

// verifyPage confirms a certificate: whose it is, for which event and day, and nothing more.
func (s *Server) verifyPage(c *gin.Context) {
	title := s.messages.T(pageLang(c), "verify.title", nil)
	cert, err := certificate.ByCode(c.Request.Context(), s.pool, c.Param("code"))
	if errors.Is(err, domain.ErrNotFound) {
		s.renderPage(c, http.StatusNotFound, "verify", title, verifyView{Code: c.Param("code"), Tried: true})
		return
	}
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.renderPage(c, http.StatusOK, "verify", title, verifyView{Code: cert.Code, Certificate: cert})
}

// certificatesZIP gives organizers every certificate of an event as one ZIP of PDFs.
func (s *Server) certificatesZIP(c *gin.Context, e *event.Event) {
	certs, err := certificate.IssueAll(c.Request.Context(), s.pool, e, s.now())
	if err != nil {
		s.respondError(c, err)
		return
	}
	if len(certs) == 0 {
		s.respondError(c, certificate.ErrNotYet)
		return
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, cert := range certs {
		f, err := zw.Create(fmt.Sprintf("Teilnahmebescheinigung-%d-%s.pdf", cert.RegistrationID, fileSafe(cert.Name)))
		if err == nil {
			err = cert.WritePDF(f, s.verifyURL())
		}
		if err != nil {
			s.respondError(c, err)
			return
		}
	}
	if err := zw.Close(); err != nil {
		s.respondError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="Teilnahmebescheinigungen-`+e.Slug+`.zip"`)
	s.writeBody(c, http.StatusOK, "application/zip", buf.Bytes())
}

// fileSafe keeps the letters, digits and dashes of a name for a file name in the ZIP.
func fileSafe(name string) string {
	out := make([]rune, 0, len(name))
	for _, r := range name {
		if len(out) >= 60 {
			break
		}
		switch {
		case r == ' ' || r == '-' || r == '_':
			out = append(out, '-')
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= 0xC0 && r <= 0x17F:
			out = append(out, r)
		}
	}
	return string(out)
}
