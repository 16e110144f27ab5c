package web

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/podium-events/podium/internal/domain"
)

// maxFormBytes bounds a submitted form; the largest, an agenda item with its description, is a
// few kilobytes.
const maxFormBytes = 64 << 10

// badTextError is a request whose path, query or form holds text PostgreSQL cannot store:
// invalid UTF-8 or NUL. Browsers never send it, so the request is malformed (400).
type badTextError struct {
	fields []domain.FieldError
}

func (e *badTextError) Error() string {
	return "the request holds text that is not valid UTF-8 or contains NUL"
}

// checkRequestText refuses a request whose path parameters, query parameters or form fields hold
// text PostgreSQL cannot store, before any handler passes it on: a slug like %FF, a search with a
// NUL, a form in another encoding. The forms of pages are read here, within maxFormBytes, which
// bounds them all; the API reads JSON whatever the content type says (curl -d sends JSON as a
// form), so its bodies are left to its decoder.
func (s *Server) checkRequestText(c *gin.Context) {
	v := &domain.ValidationError{}
	for _, p := range c.Params {
		checkParam(v, p.Key, p.Value)
	}
	// Handlers see the query as URL.Query parses it, dropping broken pairs such as a=%zz, which
	// links from mail clients and trackers carry; only what gets through is checked.
	checkValues(v, c.Request.URL.Query())
	if isForm(c.Request) && !strings.HasPrefix(c.Request.URL.Path, "/api/") {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBytes)
		if err := c.Request.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if !errors.As(err, &tooLarge) {
				err = &malformedError{detail: "the form is malformed"}
			}
			s.refuse(c, err)
			return
		}
		checkValues(v, c.Request.PostForm)
	}
	if len(v.Fields) > 0 {
		s.refuse(c, &badTextError{fields: v.Fields})
		return
	}
	c.Next()
}

// refuse answers err as problem+json under /api/ and as a page elsewhere, and stops the request.
func (s *Server) refuse(c *gin.Context, err error) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		s.respondError(c, err)
	} else {
		s.pageError(c, err)
	}
	c.Abort()
}

func isForm(r *http.Request) bool {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return false
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mediaType == "application/x-www-form-urlencoded"
}

// checkValues checks every name and value of a query or form, in a stable order.
func checkValues(v *domain.ValidationError, values url.Values) {
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		checkParam(v, name, name)
		for _, value := range values[name] {
			checkParam(v, name, value)
		}
	}
}

// checkParam records a problem with the parameter called name unless value can be stored.
func checkParam(v *domain.ValidationError, name, value string) {
	if domain.Storable(value) {
		return
	}
	// The name goes into the answer, which JSON and HTML want in UTF-8.
	if name = strings.ToValidUTF8(name, "\uFFFD"); v.Has(name) {
		return
	}
	if !utf8.ValidString(value) {
		v.Problem(name, "utf8", nil, "must be valid UTF-8 text")
	} else {
		v.Problem(name, "control_characters", nil, "must not contain the character NUL")
	}
}
