package qa

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Frame is a piece of an event stream ready to be written as it is: a batch of changes in
// Server-Sent Events format, shared by every stream that gets it. Through is the change number
// it brings a page to (the SSE id of its last line); 0 for a heartbeat.
type Frame struct {
	Through   int64
	Data      []byte
	keepAlive bool // only for a stream that got nothing for a while
}

// Frames is one batch prepared once for every kind of viewer: moderators see every question;
// the audience sees approved ones, and whoever asked a waiting question sees that one too.
type Frames struct {
	moderator []byte
	audience  []byte
	owners    map[string][]byte
	through   int64
}

// For returns the frame for one viewer.
func (f *Frames) For(moderator bool, participant string) Frame {
	switch {
	case moderator:
		return Frame{Through: f.through, Data: f.moderator}
	case f.owners[participant] != nil:
		return Frame{Through: f.through, Data: f.owners[participant]}
	}
	return Frame{Through: f.through, Data: f.audience}
}

// heartbeat keeps proxies from closing a quiet stream. A stream that got a batch within the
// last heartbeatEvery is not quiet and gets none: during a live session that spares a write to
// every open page each time.
var heartbeat = Frame{Data: []byte(": ping\n\n"), keepAlive: true}

// PrepareFrames writes a batch in SSE format. Each question is encoded once per kind of viewer,
// whatever the number of streams; only askers of questions in the batch get frames of their own.
func PrepareFrames(b Batch) (*Frames, error) {
	id := strconv.FormatInt(b.Through, 10)
	if b.Reset {
		reset := []byte("event: questions.reset\ndata: {}\nid: " + id + "\n\n")
		return &Frames{moderator: reset, audience: reset, through: b.Through}, nil
	}
	// The id comes last, alone: a browser takes it as its Last-Event-ID only once the whole
	// batch arrived, and a batch cut off midway is sent again after the reconnect.
	idLine := []byte("id: " + id + "\n\n")
	var mod, aud []byte
	type owned struct {
		participant string
		start, end  int // of the question's line in aud
		line        []byte
	}
	var own []owned
	for _, it := range b.Items {
		q := it.Question
		name := "question.updated"
		if it.Created {
			name = "question.created"
		}
		public, err := sseEvent(name, q)
		if err != nil {
			return nil, err
		}
		mod = append(mod, public...)
		q.Own = true
		mine, err := sseEvent(name, q)
		if err != nil {
			return nil, err
		}
		var forOthers []byte
		switch {
		case q.Status == StatusApproved:
			forOthers = public
		case q.Status == StatusPending && it.Created:
			// Nobody else has seen it, so nobody else hears of it.
		default:
			// Others may have seen it while it was approved: it leaves their view.
			forOthers = []byte(fmt.Sprintf("event: question.deleted\ndata: {\"id\":%d}\n\n", q.ID))
		}
		if q.Status == StatusRejected {
			mine = forOthers
		}
		own = append(own, owned{participant: q.Participant, start: len(aud), end: len(aud) + len(forOthers), line: mine})
		aud = append(aud, forOthers...)
	}
	mod = append(mod, b.PollEvents.Moderator...)
	aud = append(aud, b.PollEvents.Audience...)
	f := &Frames{moderator: append(mod, idLine...), audience: append(aud, idLine...), through: b.Through}
	for _, o := range own {
		if f.owners == nil {
			f.owners = map[string][]byte{}
		}
		base, ok := f.owners[o.participant]
		if !ok {
			base = f.audience
		}
		// Replace this question's line in the asker's copy; lines of the same asker are
		// replaced from a fresh copy of the shared frame, so positions stay right.
		f.owners[o.participant] = replaceLine(base, f.audience, o.start, o.end, o.line)
	}
	return f, nil
}

// replaceLine returns cur (derived from shared) with the bytes shared[start:end] replaced by line.
// Every earlier replacement in cur changed only lines before start, so the offset from the
// end of the frame still finds the line.
func replaceLine(cur, shared []byte, start, end int, line []byte) []byte {
	fromEnd := len(shared) - end
	cutEnd := len(cur) - fromEnd
	cutStart := cutEnd - (end - start)
	out := make([]byte, 0, len(cur)-(end-start)+len(line))
	out = append(out, cur[:cutStart]...)
	out = append(out, line...)
	return append(out, cur[cutEnd:]...)
}

func sseEvent(name string, q Question) ([]byte, error) {
	data, err := json.Marshal(q)
	if err != nil {
		return nil, fmt.Errorf("qa: encode question %d: %w", q.ID, err)
	}
	out := make([]byte, 0, len(name)+len(data)+16)
	out = append(out, "event: "...)
	out = append(out, name...)
	out = append(out, "\ndata: "...)
	out = append(out, data...)
	return append(out, "\n\n"...), nil
}
