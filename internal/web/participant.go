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
	newParticipantKey = "podium.participant.new"
	participantMaxAge = 365 * 24 * 60 * 60
)

// withParticipant reads the participant cookie, or sets a new one.
func (s *Server) withParticipant(c *gin.Context) {
	id := s.participantCookie(c)
	if id == "" {
		b := make([]byte, 16)
		rand.Read(b)
		id = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(c.Writer, &http.Cookie{Name: participantCookie, Value: id + "." + s.participantMAC(id),
			Path: "/", MaxAge: participantMaxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode,
			Secure: s.cfg.BaseURL.Scheme == "https"})
		c.Set(newParticipantKey, true)
	}
	c.Set(participantKey, id)
	c.Next()
}

// requireParticipant lets through only a client that has a participant cookie from an earlier
// visit. A vote counts once per participant, so a client that could mint a new participant
// with every vote could vote without end.
func (s *Server) requireParticipant(c *gin.Context) {
	id := s.participantCookie(c)
	if id == "" {
		if strings.HasPrefix(c.Request.URL.Path, "/api/") {
			s.respondError(c, errNoParticipant)
		} else {
			s.pageError(c, errNoParticipant)
		}
		c.Abort()
		return
	}
	c.Set(participantKey, id)
	c.Next()
}

// participantCookie returns the participant id of a genuine cookie, or "".
func (s *Server) participantCookie(c *gin.Context) string {
	v, err := c.Cookie(participantCookie)
	if err != nil {
		return ""
	}
	if raw, mac, ok := strings.Cut(v, "."); ok && hmac.Equal([]byte(mac), []byte(s.participantMAC(raw))) {
		return raw
	}
	return ""
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
