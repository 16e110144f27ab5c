package auth_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/auth"
)

// A join token names its registration and proves itself with the registration's salt; it is
// not the manage token, another registration's, another secret's or an erased one's.
func TestJoinToken(t *testing.T) {
	t.Parallel()
	key := auth.ManageKey(bytes.Repeat([]byte("k"), 32))
	salt := []byte("0123456789abcdef")
	token := key.JoinToken(42, salt)
	if id, ok := auth.JoinTokenID(token); !ok || id != 42 {
		t.Fatalf("id of %q: %d %v", token, id, ok)
	}
	if !key.CheckJoinToken(token, 42, salt) {
		t.Fatal("the token does not check")
	}
	if token == key.Token(salt) || strings.Contains(token, key.Token(salt)) {
		t.Error("the join token is the manage token")
	}
	other := auth.ManageKey(bytes.Repeat([]byte("x"), 32))
	for what, ok := range map[string]bool{
		"another registration": key.CheckJoinToken(token, 43, salt),
		"another salt":         key.CheckJoinToken(token, 42, []byte("fedcba9876543210")),
		"another secret":       other.CheckJoinToken(token, 42, salt),
		"an erased salt":       key.CheckJoinToken(key.JoinToken(42, nil), 42, nil),
		"a shortened token":    key.CheckJoinToken(token[:len(token)-1], 42, salt),
	} {
		if ok {
			t.Errorf("checks for %s", what)
		}
	}
	for _, bad := range []string{"", "42", ".abc", "042.abc", "-1.abc", "0.abc", "x.abc", "99999999999999999999.abc"} {
		if _, ok := auth.JoinTokenID(bad); ok {
			t.Errorf("JoinTokenID(%q) accepted", bad)
		}
	}
}
