package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// participantCookie identifies a person in the audience without an account: one vote per
// question, and their own pending questions. The value is a random id and its HMAC under
// PODIUM_SECRET, so nobody can pick somebody else's id.
const (
	participantCookie = "podium_participant"
	participantKey    = "podium.participant"
	participantMaxAge = 365 * 24 * 60 * 60
)

// withParticipant reads the participant cookie, or sets a new one.
func (s *Server) withParticipant(c *gin.Context) {
	id := ""
	if v, err := c.Cookie(participantCookie); err == nil {
		if raw, mac, ok := strings.Cut(v, "."); ok && hmac.Equal([]byte(mac), []byte(s.participantMAC(raw))) {
			id = raw
		}
	}
	if id == "" {
		b := make([]byte, 16)
		rand.Read(b)
		id = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(c.Writer, &http.Cookie{Name: participantCookie, Value: id + "." + s.participantMAC(id),
			Path: "/", MaxAge: participantMaxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode,
			Secure: s.cfg.BaseURL.Scheme == "https"})
	}
	c.Set(participantKey, id)
	c.Next()
}

func (s *Server) participantMAC(id string) string {
	m := hmac.New(sha256.New, append([]byte("podium participant\x00"), s.cfg.Secret...))
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// participantOf is the participant id withParticipant found or made.
func participantOf(c *gin.Context) string {
	return c.GetString(participantKey)
}
