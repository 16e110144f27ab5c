package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// ManageKey derives attendees' manage tokens: the token of a registration is an HMAC of its
// random salt under PODIUM_SECRET. The database holds the salt and the token's SHA-256, never
// the token, yet every later mail (confirmation, reminder, update) can carry the link again.
// Changing PODIUM_SECRET invalidates every manage link sent before.
type ManageKey []byte

// manageSaltBytes of randomness per registration.
const manageSaltBytes = 16

// Token returns the manage token for salt: 256 bits, URL-safe.
func (k ManageKey) Token(salt []byte) string {
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte("podium manage token v1\x00"))
	mac.Write(salt)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// NewManageSalt returns a fresh random salt for a registration.
func NewManageSalt() ([]byte, error) {
	b := make([]byte, manageSaltBytes)
	_, err := rand.Read(b)
	return b, err
}

// HashManageToken is what the database keeps of a manage token. Lookups go through a unique
// index on this hash, so the secret itself is never compared byte by byte.
func HashManageToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
