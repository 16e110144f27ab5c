package qa

import (
	"strings"
	"testing"

	"github.com/podium-events/podium/internal/domain"
)

// Each kind of viewer gets the batch as they may see it: moderators everything, the asker their
// own waiting question, everybody else approved questions and removals; the id comes last.
func TestPrepareFramesPerViewer(t *testing.T) {
	t.Parallel()
	b := Batch{Through: 42, Items: []Item{
		{Created: true, Question: Question{ID: 1, Text: "neu und wartend", Participant: "anna", Status: StatusPending}},
		{Question: Question{ID: 2, Text: "freigegeben", Participant: "anna", Status: StatusApproved, Votes: 3}},
		{Question: Question{ID: 3, Text: "zurück in die Warteschlange", Participant: "ben", Status: StatusPending}},
		{Question: Question{ID: 4, Text: "abgelehnt", Participant: "ben", Status: StatusRejected}},
	}}
	f, err := PrepareFrames(b)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		who       string
		moderator bool
		want      []string
		not       []string
	}{
		{"moderator", true, []string{`question.created` + "\ndata: " + `{"id":1`, `"text":"abgelehnt"`, `"text":"zurück in die Warteschlange"`}, []string{"question.deleted", `"own"`}},
		{"anna", false, []string{`"text":"neu und wartend"`, `"own":true`, `"text":"freigegeben"`, "question.deleted\ndata: {\"id\":3}", "question.deleted\ndata: {\"id\":4}"}, nil},
		{"ben", false, []string{`"text":"zurück in die Warteschlange","author_name":"","status":"pending"`, "question.deleted\ndata: {\"id\":4}", `"text":"freigegeben"`}, []string{"neu und wartend", `{"id":3}`}},
		{"carla", false, []string{`"text":"freigegeben"`, "question.deleted\ndata: {\"id\":3}", "question.deleted\ndata: {\"id\":4}"}, []string{"neu und wartend", "Warteschlange", `"own"`}},
	}
	for _, c := range cases {
		fr := f.For(c.moderator, c.who)
		got := string(fr.Data)
		if fr.Through != 42 || !strings.HasSuffix(got, "\n\nid: 42\n\n") {
			t.Errorf("%s: frame does not end with its id alone: %q", c.who, got)
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: frame lacks %q:\n%s", c.who, w, got)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: frame has %q:\n%s", c.who, n, got)
			}
		}
	}
	if strings.Contains(string(f.For(false, "anna").Data), "participant") || strings.Contains(string(f.For(true, "").Data), "anna") {
		t.Error("a frame names a participant")
	}
}

// A page too far behind is told to load the list again.
func TestPrepareFramesReset(t *testing.T) {
	t.Parallel()
	f, err := PrepareFrames(Batch{Through: 7, Reset: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range []Frame{f.For(true, ""), f.For(false, "x")} {
		if string(fr.Data) != "event: questions.reset\ndata: {}\nid: 7\n\n" {
			t.Errorf("reset frame %q", fr.Data)
		}
	}
}

// Text that PostgreSQL cannot store or that nobody types is refused naming the field, before
// anything is stored: a question or edit with NUL, invalid UTF-8 or control characters.
func TestQuestionTextMustBeStorable(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"Frage\x00mit NUL", "Frage \xff\xfe", "Frage\x1b[31m"} {
		v := &domain.ValidationError{}
		checkText(v, "text", text, 1, MaxTextLen)
		if !v.Has("text") {
			t.Errorf("%q was accepted", text)
		}
	}
	v := &domain.ValidationError{}
	if got := checkText(v, "text", "  Zwei\r\nZeilen  ", 1, MaxTextLen); v.OrNil() != nil || got != "Zwei\nZeilen" {
		t.Errorf("two lines: %q, %v", got, v.OrNil())
	}
}

// Poll events ride the same frame, after the questions and before the id, for every kind of
// viewer as package poll prepared them; an asker's own question is still replaced in place.
func TestPrepareFramesWithPolls(t *testing.T) {
	t.Parallel()
	b := Batch{Through: 9, Items: []Item{
		{Question: Question{ID: 5, Text: "zurück", Participant: "anna", Status: StatusPending}},
	}, PollEvents: PollEvents{
		Moderator: []byte("event: poll.updated\ndata: {\"id\":1,\"state\":\"draft\"}\n\n"),
		Audience:  []byte("event: poll.results\ndata: {\"poll_id\":2,\"participants\":3}\n\n"),
	}}
	f, err := PrepareFrames(b)
	if err != nil {
		t.Fatal(err)
	}
	anna := string(f.For(false, "anna").Data)
	other := string(f.For(false, "ben").Data)
	mod := string(f.For(true, "").Data)
	if !strings.HasSuffix(anna, "event: poll.results\ndata: {\"poll_id\":2,\"participants\":3}\n\nid: 9\n\n") ||
		!strings.Contains(anna, `"text":"zurück"`) || strings.Contains(anna, "question.deleted") {
		t.Errorf("the asker's frame:\n%s", anna)
	}
	if !strings.Contains(other, "question.deleted\ndata: {\"id\":5}") || !strings.Contains(other, "poll.results") || strings.Contains(other, "draft") {
		t.Errorf("the audience's frame:\n%s", other)
	}
	if !strings.HasSuffix(mod, "\"state\":\"draft\"}\n\nid: 9\n\n") || strings.Contains(mod, "poll.results") {
		t.Errorf("the moderators' frame:\n%s", mod)
	}
}
