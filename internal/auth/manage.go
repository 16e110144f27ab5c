package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
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

// joinMACBytes of a join token's signature: 128 bits cannot be guessed, and the link stays short
// enough for a calendar's location field.
const joinMACBytes = 16

// JoinToken returns the token of a registration's personal join link (/r/{token}/join): its id
// and a signature of its salt. It is a credential of its own, weaker than the manage token: it
// leads into the meeting and nothing else, so the calendar entries and forwarded mails that
// carry it cannot cancel or erase the registration. It needs no column of its own, and every
// registration has one, old ones included.
func (k ManageKey) JoinToken(registrationID int64, salt []byte) string {
	return strconv.FormatInt(registrationID, 10) + "." + base64.RawURLEncoding.EncodeToString(k.joinMAC(registrationID, salt))
}

func (k ManageKey) joinMAC(registrationID int64, salt []byte) []byte {
	mac := hmac.New(sha256.New, k)
	mac.Write([]byte("podium join token v1\x00"))
	mac.Write([]byte(strconv.FormatInt(registrationID, 10) + "\x00"))
	mac.Write(salt)
	return mac.Sum(nil)[:joinMACBytes]
}

// JoinTokenID returns the registration id a join token names, without vouching for it: the
// caller looks the registration up and checks the token with CheckJoinToken.
func JoinTokenID(token string) (int64, bool) {
	id, _, ok := strings.Cut(token, ".")
	if !ok || id == "" || len(id) > 19 {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return 0, false
	}
	return n, true
}

// CheckJoinToken tells, in constant time, whether token is the join token of the registration
// with this id and salt. An erased registration's salt is empty and its token never checks.
func (k ManageKey) CheckJoinToken(token string, registrationID int64, salt []byte) bool {
	if len(salt) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(k.JoinToken(registrationID, salt))) == 1
}
