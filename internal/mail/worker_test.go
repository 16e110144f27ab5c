package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	gomail "github.com/wneessen/go-mail"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/db/dbtest"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/registration"
)

var key = auth.ManageKey("a test secret of at least 32 bytes")

func newWorker(t *testing.T, pool *sqlx.DB, smtp *mailtest.Server) *mail.Worker {
	t.Helper()
	w := smtp.Worker(t, pool, "https://podium.example.org", key)
	w.RetryBase, w.Poll = 20*time.Millisecond, 20*time.Millisecond
	return w
}

func newEvent(t *testing.T, pool *sqlx.DB, title string, optIn bool) *event.Event {
	t.Helper()
	in := event.NewInput()
	in.Title = title
	in.StartsAt = time.Now().Add(14 * 24 * time.Hour).Truncate(time.Hour)
	in.EndsAt = in.StartsAt.Add(90 * time.Minute)
	in.OrganizerName, in.OrganizerEmail = "ÖFIT", "oefit@example.org"
	in.OnlineURL = "https://konferenz.example.org/raum-7"
	in.Status = event.StatusPublished
	in.DoubleOptIn = optIn
	e, err := event.Create(context.Background(), pool, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func register(t *testing.T, pool *sqlx.DB, e *event.Event, name, email string) string {
	t.Helper()
	_, token, err := registration.Register(context.Background(), pool, key, e,
		registration.Input{Name: name, Email: email, Consent: true, Answers: map[string]json.RawMessage{}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// parts reads a received message: its headers and the body of each leaf part, by media type, with
// the method of a text/calendar part ("text/calendar; method=REQUEST") and the file name of an
// attachment ("attachment invite.ics"). tree is the MIME structure, as mail clients walk it.
func parts(t *testing.T, data []byte) (msg *netmail.Message, bodies map[string]string, tree string) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	bodies = map[string]string{}
	var walk func(header textproto.MIMEHeader, body io.Reader) string
	walk = func(header textproto.MIMEHeader, body io.Reader) string {
		mediaType, params, err := mime.ParseMediaType(header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("Content-Type %q: %v", header.Get("Content-Type"), err)
		}
		if !strings.HasPrefix(mediaType, "multipart/") {
			key := mediaType
			if params["method"] != "" {
				key += "; method=" + params["method"]
			}
			if _, disp, _ := mime.ParseMediaType(header.Get("Content-Disposition")); disp["filename"] != "" {
				key = "attachment " + disp["filename"]
			}
			raw, _ := io.ReadAll(body)
			if header.Get("Content-Transfer-Encoding") == "base64" {
				raw, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
				if err != nil {
					t.Fatal(err)
				}
			}
			bodies[key] = string(raw) // quoted-printable is decoded by NextPart already
			return key
		}
		var children []string
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			children = append(children, walk(p.Header, p))
		}
		return mediaType + " [" + strings.Join(children, ", ") + "]"
	}
	tree = walk(textproto.MIMEHeader(msg.Header), msg.Body)
	return msg, bodies, tree
}

// A double opt-in registration gets a German mail, plain text and HTML, whose link carries the
// person's own manage token, marked as automatic so that no out-of-office reply comes back.
func TestConfirmationMail(t *testing.T) {
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	e := newEvent(t, pool, "Digitale Kommune: Vom Typ zur Tat", true)
	token := register(t, pool, e, "Erika Mustermann", "erika@pattensen.example")

	w := newWorker(t, pool, smtp)
	if n, err := w.SendDue(context.Background()); n != 1 || err != nil {
		t.Fatalf("SendDue: %d %v", n, err)
	}
	msgs := smtp.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "erika@pattensen.example" || msgs[0].From != "podium@podium.example.org" {
		t.Fatalf("received %+v", msgs)
	}
	msg, body, _ := parts(t, msgs[0].Data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "Bitte bestätigen Sie Ihre Anmeldung: Digitale Kommune: Vom Typ zur Tat" {
		t.Errorf("subject %q", subject)
	}
	if msg.Header.Get("Auto-Submitted") != "auto-generated" || msg.Header.Get("X-Auto-Response-Suppress") != "All" ||
		!strings.HasSuffix(msg.Header.Get("Message-Id"), "@podium.example.org>") {
		t.Errorf("headers %v", msg.Header)
	}
	link := "https://podium.example.org/r/" + token + "/confirm"
	for _, ct := range []string{"text/plain", "text/html"} {
		if !strings.Contains(body[ct], link) || !strings.Contains(body[ct], "Guten Tag Erika Mustermann") {
			t.Errorf("%s part lacks the greeting or %s:\n%s", ct, link, body[ct])
		}
	}
	if strings.Contains(body["text/plain"], "raum-7") {
		t.Error("the join link went to someone without a confirmed seat")
	}
	if n, _ := w.SendDue(context.Background()); n != 0 {
		t.Errorf("a second run found %d messages to send", n)
	}
}

// While the mail server refuses, the message waits and is retried with backoff; it arrives
// exactly once, and the outbox remembers the attempts.
func TestRetriesUntilTheServerAccepts(t *testing.T) {
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	smtp.Refuse(3)
	e := newEvent(t, pool, "Sprechstunde", false)
	register(t, pool, e, "Max", "max@koeln.example")

	ctx, stop := context.WithTimeout(context.Background(), 20*time.Second)
	defer stop()
	go newWorker(t, pool, smtp).Run(ctx)
	smtp.Wait(t, 1, 15*time.Second)
	time.Sleep(200 * time.Millisecond) // room for a wrong second delivery
	stop()

	if n := len(smtp.Messages()); n != 1 {
		t.Fatalf("%d deliveries, want 1", n)
	}
	var row struct {
		Status   string `db:"status"`
		Attempts int    `db:"attempts"`
	}
	pool.Get(&row, `SELECT status, attempts FROM outbox WHERE kind = 'registered'`)
	if row.Status != "sent" || row.Attempts != 4 {
		t.Errorf("outbox %+v, want sent after 4 attempts", row)
	}
}

// Two workers (as in two processes) share the outbox: every message goes out exactly once.
func TestTwoWorkersSendEachMessageOnce(t *testing.T) {
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	e := newEvent(t, pool, "Websession", false)
	const people = 40
	for i := range people {
		register(t, pool, e, fmt.Sprintf("Person %d", i), fmt.Sprintf("p%d@example.org", i))
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		w := newWorker(t, pool, smtp)
		wg.Go(func() { w.Run(ctx) })
	}
	smtp.Wait(t, people, 20*time.Second)
	time.Sleep(200 * time.Millisecond)
	stop()
	wg.Wait()

	seen := map[string]int{}
	for _, m := range smtp.Messages() {
		seen[m.To[0]]++
	}
	if len(seen) != people {
		t.Fatalf("%d recipients, want %d", len(seen), people)
	}
	for to, n := range seen {
		if n != 1 {
			t.Errorf("%s got %d messages", to, n)
		}
	}
}

// Line breaks in names or titles never become headers of their own.
func TestHeadersAreSafe(t *testing.T) {
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	e := newEvent(t, pool, "Titel", false)
	pool.MustExec(`UPDATE events SET title = $1 WHERE id = $2`, "Titel\r\nBcc: boss@example.org", e.ID)
	register(t, pool, e, "Eve", "eve@example.org")
	pool.MustExec(`UPDATE registrations SET name = $1`, "Eve\r\nBcc: evil@example.org")

	mailtest.Drain(t, newWorker(t, pool, smtp))
	msgs := smtp.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 {
		t.Fatalf("received %+v", msgs)
	}
	msg, _, _ := parts(t, msgs[0].Data)
	headers, _, _ := strings.Cut(string(msgs[0].Data), "\r\n\r\n")
	if msg.Header.Get("Bcc") != "" || strings.Contains(headers, "\r\nBcc:") {
		t.Errorf("a line break in user input became a header:\n%s", headers)
	}
}

// Nothing is sent to a person whose data was erased.
func TestErasedRecipientGetsNothing(t *testing.T) {
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	e := newEvent(t, pool, "Titel", false)
	token := register(t, pool, e, "Eve", "eve@example.org")
	if _, err := registration.Erase(context.Background(), pool, token, time.Now()); err != nil {
		t.Fatal(err)
	}
	mailtest.Drain(t, newWorker(t, pool, smtp))
	if n := len(smtp.Messages()); n != 0 {
		t.Errorf("%d messages sent after erasure", n)
	}
}

// A mail server's refusal quotes the address; the outbox keeps the reason, not the address, so
// that organizers see why a message failed without the error becoming a copy of personal data.
func TestStoredErrorsNameNoRecipient(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	smtp := mailtest.Start(t)
	smtp.Unknown("Erika.Mustermann@Pattensen.example")
	e := newEvent(t, pool, "Sprechstunde", false)
	register(t, pool, e, "Erika Mustermann", "erika.mustermann@pattensen.example")
	mailtest.Drain(t, newWorker(t, pool, smtp))

	var row struct {
		Status    string `db:"status"`
		LastError string `db:"last_error"`
	}
	if err := pool.Get(&row, `SELECT status, last_error FROM outbox WHERE kind = 'registered'`); err != nil {
		t.Fatal(err)
	}
	if row.Status != "failed" || !strings.Contains(row.LastError, "550") || !strings.Contains(row.LastError, "Recipient address rejected") {
		t.Errorf("outbox %+v, want failed with the server's reason", row)
	}
	if lower := strings.ToLower(row.LastError); strings.Contains(lower, "erika") || strings.Contains(lower, "mustermann") {
		t.Errorf("the stored error names the recipient: %s", row.LastError)
	}
}

// blockingSender holds a delivery until released, then fails it with an error that quotes the
// recipient, as a mail server does.
type blockingSender struct {
	sending, release chan struct{}
}

func (b *blockingSender) Send(ctx context.Context, msg *gomail.Msg) error {
	close(b.sending)
	<-b.release
	to, _ := msg.GetRecipients()
	return fmt.Errorf("451 4.3.0 <%s>: temporarily deferred", strings.Join(to, ", "))
}

// Erasing a person while a worker is sending them a message neither waits for the mail server
// nor lets the worker's error bring the address back afterwards; the message is never retried.
func TestErasureDuringASend(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	e := newEvent(t, pool, "Sprechstunde", false)
	token := register(t, pool, e, "Erika Mustermann", "erika@pattensen.example")
	w := newWorker(t, pool, mailtest.Start(t))
	sender := &blockingSender{sending: make(chan struct{}), release: make(chan struct{})}
	w.Sender = sender
	done := make(chan error)
	go func() {
		_, err := w.SendDue(context.Background())
		done <- err
	}()
	<-sender.sending

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := registration.Erase(ctx, pool, token, time.Now()); err != nil {
		t.Fatalf("erasing while a message is being sent: %v", err)
	}
	close(sender.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var left int
	pool.Get(&left, `SELECT count(*) FROM outbox WHERE last_error ILIKE '%erika%'`)
	if left != 0 {
		t.Error("the worker stored the erased address in the outbox")
	}
	w.Now = func() time.Time { return time.Now().Add(time.Hour) }
	if n, err := w.SendDue(context.Background()); n != 0 || err != nil {
		t.Errorf("%d messages to send after the erasure (%v), want none: the message is never retried", n, err)
	}
	var queued int
	pool.Get(&queued, `SELECT count(*) FROM outbox WHERE kind = 'registered' AND status = 'queued'`)
	if queued != 0 {
		t.Errorf("%d messages to the erased person still queued", queued)
	}
}
