// Package icaltest reads calendars with a third-party parser, Mozilla's ical.js run by node,
// so tests check what real calendar clients see rather than what golang-ical wrote.
package icaltest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

//go:embed icaljs.cjs
var script []byte

// Calendar is what ical.js found in a calendar.
type Calendar struct {
	Method    string   `json:"method"`
	Timezones []string `json:"timezones"`
	Events    []Event  `json:"events"`
}

// Event is one VEVENT as ical.js reads it; Start and End are UTC, Offset is the start's UTC
// offset in seconds in its zone.
type Event struct {
	UID         string     `json:"uid"`
	Sequence    int        `json:"sequence"`
	Status      string     `json:"status"`
	Summary     string     `json:"summary"`
	Description string     `json:"description"`
	Location    string     `json:"location"`
	URL         string     `json:"url"`
	Start       string     `json:"start"`
	End         string     `json:"end"`
	Zone        string     `json:"zone"`
	Offset      int        `json:"offset"`
	Organizer   string     `json:"organizer"`
	OrganizerCN string     `json:"organizer_cn"`
	Attendees   []Attendee `json:"attendees"`
	Alarms      []string   `json:"alarms"`
}

// Attendee is an ATTENDEE with the parameters calendars act on.
type Attendee struct {
	Address  string `json:"address"`
	CN       string `json:"cn"`
	PartStat string `json:"partstat"`
	RSVP     string `json:"rsvp"`
}

// Parse reads data with ical.js and fails the test if it cannot. PODIUM_ICALJS names the
// library; `make test` installs it from the npm registry.
func Parse(t testing.TB, data []byte) Calendar {
	t.Helper()
	lib := os.Getenv("PODIUM_ICALJS")
	if lib == "" {
		t.Fatal("PODIUM_ICALJS is not set: run the tests with `make test`, which installs ical.js")
	}
	path := filepath.Join(t.TempDir(), "icaljs.cjs")
	if err := os.WriteFile(path, script, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", path)
	cmd.Env = append(os.Environ(), "PODIUM_ICALJS="+lib)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ical.js cannot read the calendar: %v\n%s\n%s", err, stderr.String(), data)
	}
	var c Calendar
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("ical.js output: %v: %s", err, out)
	}
	return c
}
