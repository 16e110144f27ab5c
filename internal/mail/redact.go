package mail

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// minRedactedName keeps a very short name from blanking out unrelated words of an error.
const minRedactedName = 3

// redactedError is a send error whose text names no recipient: mail servers quote the address
// they refuse ("550 5.1.1 <anna@example.org>: Recipient address rejected") and go-mail lists the
// recipients, and the text is stored in the outbox, shown to organizers and must not outlive
// the person's erasure. The cause stays reachable for errors.Is and errors.As.
type redactedError struct {
	err  error
	text string
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }

// withoutRecipient returns err with the recipient's address and name taken out of its text.
func withoutRecipient(err error, name, address string) error {
	var words []string
	if address != "" {
		words = append(words, regexp.QuoteMeta(address))
	}
	if name = strings.TrimSpace(name); utf8.RuneCountInString(name) >= minRedactedName {
		words = append(words, regexp.QuoteMeta(name))
	}
	if len(words) == 0 {
		return err
	}
	re := regexp.MustCompile(`(?i)` + strings.Join(words, "|"))
	return &redactedError{err: err, text: re.ReplaceAllString(err.Error(), "[recipient]")}
}
