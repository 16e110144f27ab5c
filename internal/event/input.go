package event

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/podium-events/podium/internal/domain"
)

// Limits on event input, each named so that it can be tested and documented.
const (
	maxTitleLen         = 200
	maxSubtitleLen      = 300
	maxDescriptionLen   = 20_000
	maxLocationLen      = 300
	maxURLLen           = 2_000
	maxHosts            = 10
	maxHostLen          = 100
	maxNameLen          = 200
	maxEmailLen         = 254
	maxCapacity         = 1_000_000
	maxDuration         = 31 * 24 * time.Hour
	maxReminderOffsets  = 5
	maxReminderOffset   = 30 * 24 * time.Hour
	maxQuestions        = 20
	maxQuestionKeyLen   = 40
	maxQuestionLabelLen = 300
	minOptions          = 2
	maxOptions          = 50
	maxOptionLen        = 200
	minSlugLen          = 3
	maxSlugLen          = 80
)

// reservedSlugs name pages of their own: /admin/events/new creates an event.
var reservedSlugs = map[string]bool{"new": true}

var (
	slugPattern        = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	questionKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Input is what an organizer sends to create an event, or the whole event after a change.
// Pointers are the fields that may be null.
type Input struct {
	Slug                 string
	Title                string
	Subtitle             string
	Description          string
	StartsAt             time.Time
	EndsAt               time.Time
	Timezone             string
	Location             string
	OnlineURL            string
	Hosts                []string
	OrganizerName        string
	OrganizerEmail       string
	Capacity             *int
	RegistrationOpensAt  *time.Time
	RegistrationClosesAt *time.Time // nil: when the event starts
	Status               string
	Language             string
	DoubleOptIn          bool
	Waitlist             bool
	Moderation           bool
	ReminderOffsets      []string // Go durations
	Questions            []Question
}

// NewInput returns an input holding the defaults of a new event.
func NewInput() Input {
	offsets := make([]string, len(DefaultReminderOffsets))
	for i, d := range DefaultReminderOffsets {
		offsets[i] = FormatDuration(d)
	}
	return Input{
		Timezone:        DefaultTimezone,
		Status:          StatusDraft,
		Language:        "de",
		DoubleOptIn:     true,
		Waitlist:        true,
		Moderation:      true,
		Hosts:           []string{},
		ReminderOffsets: offsets,
		Questions:       []Question{},
	}
}

// InputOf returns the input that would recreate e, as the base that a change is applied to.
func InputOf(e *Event) Input {
	offsets := make([]string, len(e.ReminderOffsets))
	for i, d := range e.ReminderOffsets {
		offsets[i] = FormatDuration(d)
	}
	// Registration that closes at the start keeps doing so when the event moves.
	var closes *time.Time
	if !e.RegistrationClosesAt.Equal(e.StartsAt) {
		c := e.RegistrationClosesAt
		closes = &c
	}
	return Input{
		Slug: e.Slug, Title: e.Title, Subtitle: e.Subtitle, Description: e.Description,
		StartsAt: e.StartsAt, EndsAt: e.EndsAt, Timezone: e.Timezone,
		Location: e.Location, OnlineURL: e.OnlineURL, Hosts: append([]string{}, e.Hosts...),
		OrganizerName: e.OrganizerName, OrganizerEmail: e.OrganizerEmail,
		Capacity: e.Capacity, RegistrationOpensAt: e.RegistrationOpensAt, RegistrationClosesAt: closes,
		Status: e.Status, Language: e.Language,
		DoubleOptIn: e.DoubleOptIn, Waitlist: e.Waitlist, Moderation: e.Moderation,
		ReminderOffsets: offsets, Questions: append([]Question{}, e.Questions...),
	}
}

// valid is an input that passed validation, in the shape the store writes.
type valid struct {
	Input
	offsets  []time.Duration
	closesAt time.Time
}

// normalize trims what people type by accident: surrounding spaces and empty list entries.
func (in *Input) normalize() {
	for _, s := range []*string{&in.Slug, &in.Title, &in.Subtitle, &in.Timezone,
		&in.OnlineURL, &in.OrganizerName, &in.OrganizerEmail, &in.Status, &in.Language} {
		*s = strings.TrimSpace(*s)
	}
	for _, s := range []*string{&in.Description, &in.Location} {
		*s = strings.TrimSpace(strings.ReplaceAll(*s, "\r\n", "\n"))
	}
	// A list sent as null is an empty list: the columns hold lists, never NULL.
	hosts := make([]string, 0, len(in.Hosts))
	for _, h := range in.Hosts {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	in.Hosts = hosts
	// The caller's questions share their backing arrays with in; copy before trimming.
	in.Questions = append(make([]Question, 0, len(in.Questions)), in.Questions...)
	for i := range in.Questions {
		q := &in.Questions[i]
		q.Options = append([]string(nil), q.Options...)
		q.Key, q.Label, q.Kind = strings.TrimSpace(q.Key), strings.TrimSpace(q.Label), strings.TrimSpace(q.Kind)
		for j := range q.Options {
			q.Options[j] = strings.TrimSpace(q.Options[j])
		}
		if q.Options == nil {
			q.Options = []string{}
		}
	}
}

// Validate checks every field and reports all problems at once as a *domain.ValidationError.
func (in Input) Validate() error {
	_, err := in.validate()
	return err
}

func (in Input) validate() (*valid, error) {
	in.normalize()
	v := &domain.ValidationError{}
	checkLen := func(field, value string, min, max int) {
		if v.Has(field) {
			return
		}
		n := utf8.RuneCountInString(value)
		switch {
		case n < min && min == 1:
			v.Problem(field, "required", nil, "is required")
		case n < min:
			v.Problem(field, "too_short", domain.Params{"Min": min}, fmt.Sprintf("must be at least %d characters long", min))
		case n > max:
			v.Problem(field, "too_long", domain.Params{"Max": max}, fmt.Sprintf("must be at most %d characters long", max))
		}
	}

	if in.Slug != "" {
		checkLen("slug", in.Slug, minSlugLen, maxSlugLen)
		if !v.Has("slug") && !slugPattern.MatchString(in.Slug) {
			v.Problem("slug", "slug_format", nil, "may contain only lowercase letters a-z, digits and single hyphens between them")
		}
		if !v.Has("slug") && reservedSlugs[in.Slug] {
			v.Problem("slug", "slug_reserved", nil, fmt.Sprintf("%q is reserved for a page of Podium; choose another slug", in.Slug))
		}
	}
	for _, f := range []struct {
		field, value string
		min, max     int
		lines        bool
	}{
		{"title", in.Title, 1, maxTitleLen, false},
		{"subtitle", in.Subtitle, 0, maxSubtitleLen, false},
		{"description", in.Description, 0, maxDescriptionLen, true},
		{"location", in.Location, 0, maxLocationLen, true},
		{"organizer_name", in.OrganizerName, 1, maxNameLen, false},
	} {
		if f.lines {
			v.CheckText(f.field, f.value)
		} else {
			v.CheckLine(f.field, f.value)
		}
		checkLen(f.field, f.value, f.min, f.max)
	}
	if addr, err := mail.ParseAddress(in.OrganizerEmail); in.OrganizerEmail == "" {
		v.Problem("organizer_email", "required", nil, "is required")
	} else if v.CheckLine("organizer_email", in.OrganizerEmail) &&
		(err != nil || addr.Address != in.OrganizerEmail || len(in.OrganizerEmail) > maxEmailLen) {
		v.Problem("organizer_email", "invalid_email", nil, "must be a plain email address such as veranstaltung@example.org")
	}

	loc := time.UTC
	if in.Timezone == "" {
		v.Problem("timezone", "required", nil, "is required, an IANA time zone such as Europe/Berlin")
	} else if l, err := time.LoadLocation(in.Timezone); err != nil || in.Timezone == "Local" {
		v.Problem("timezone", "unknown_timezone", domain.Params{"Zone": in.Timezone},
			fmt.Sprintf("%q is not an IANA time zone such as Europe/Berlin", in.Timezone))
	} else {
		loc = l
	}
	if in.StartsAt.IsZero() {
		v.Problem("starts_at", "required", nil, "is required")
	} else {
		v.CheckTime("starts_at", in.StartsAt, loc)
	}
	if in.EndsAt.IsZero() {
		v.Problem("ends_at", "required", nil, "is required")
	} else if v.CheckTime("ends_at", in.EndsAt, loc) && !in.StartsAt.IsZero() {
		if !in.EndsAt.After(in.StartsAt) {
			v.Problem("ends_at", "not_after", domain.Params{"Other": "starts_at"}, "must be after starts_at")
		} else if in.EndsAt.Sub(in.StartsAt) > maxDuration {
			v.Problem("ends_at", "max_duration", domain.Params{"Days": int(maxDuration / (24 * time.Hour))}, "an event may last at most 31 days")
		}
	}

	if in.OnlineURL != "" && v.CheckLine("online_url", in.OnlineURL) {
		u, err := url.Parse(in.OnlineURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.Problem("online_url", "invalid_url", nil, "must be an absolute http(s) URL")
		} else if len(in.OnlineURL) > maxURLLen {
			v.Problem("online_url", "too_long", domain.Params{"Max": maxURLLen}, fmt.Sprintf("must be at most %d characters long", maxURLLen))
		}
	}
	if len(in.Hosts) > maxHosts {
		v.Problem("hosts", "too_many", domain.Params{"Max": maxHosts}, fmt.Sprintf("at most %d hosts", maxHosts))
	}
	for i, h := range in.Hosts {
		field := fmt.Sprintf("hosts[%d]", i)
		v.CheckLine(field, h)
		checkLen(field, h, 1, maxHostLen)
	}
	if in.Capacity != nil && (*in.Capacity < 1 || *in.Capacity > maxCapacity) {
		v.Problem("capacity", "out_of_range", domain.Params{"Min": 1, "Max": maxCapacity},
			fmt.Sprintf("must be from 1 to %d, or null for unlimited", maxCapacity))
	}

	closes := in.StartsAt
	if in.RegistrationClosesAt != nil {
		closes = *in.RegistrationClosesAt
		if v.CheckTime("registration_closes_at", closes, loc) && !in.EndsAt.IsZero() && closes.After(in.EndsAt) {
			v.Problem("registration_closes_at", "later_than", domain.Params{"Other": "ends_at"}, "must not be after ends_at")
		}
	}
	if in.RegistrationOpensAt != nil && v.CheckTime("registration_opens_at", *in.RegistrationOpensAt, loc) &&
		!in.RegistrationOpensAt.Before(closes) {
		v.Problem("registration_opens_at", "not_before", domain.Params{"Other": "registration_closes_at"}, "must be before registration_closes_at")
	}

	switch in.Status {
	case StatusDraft, StatusPublished:
	case StatusCancelled:
		v.Problem("status", "use_cancel", nil, "use POST /api/v1/events/{slug}/cancel to cancel an event")
	default:
		v.Problem("status", "one_of", domain.Params{"Values": "draft, published"}, "must be draft or published")
	}
	if in.Language != "de" && in.Language != "en" {
		v.Problem("language", "one_of", domain.Params{"Values": "de, en"}, "must be de or en")
	}

	offsets := validateOffsets(in.ReminderOffsets, v)
	validateQuestions(in.Questions, v)

	if err := v.OrNil(); err != nil {
		return nil, err
	}
	return &valid{Input: in, offsets: offsets, closesAt: closes}, nil
}

func validateOffsets(raw []string, v *domain.ValidationError) []time.Duration {
	if len(raw) > maxReminderOffsets {
		v.Problem("reminder_offsets", "too_many", domain.Params{"Max": maxReminderOffsets}, fmt.Sprintf("at most %d reminders", maxReminderOffsets))
		return nil
	}
	seen := map[time.Duration]bool{}
	offsets := make([]time.Duration, 0, len(raw))
	for i, s := range raw {
		field := fmt.Sprintf("reminder_offsets[%d]", i)
		d, err := time.ParseDuration(strings.TrimSpace(s))
		switch {
		case err != nil:
			v.Problem(field, "invalid_duration", domain.Params{"Value": s}, fmt.Sprintf("%q is not a duration such as 24h or 1h30m", s))
		case d < time.Minute || d > maxReminderOffset:
			v.Problem(field, "out_of_range", domain.Params{"Min": FormatDuration(time.Minute), "Max": FormatDuration(maxReminderOffset)}, "must be from 1m to 720h")
		case d%time.Second != 0:
			v.Problem(field, "whole_seconds", nil, "must be whole seconds")
		case seen[d]:
			v.Problem(field, "duplicate", nil, "is given twice")
		default:
			seen[d] = true
			offsets = append(offsets, d)
		}
	}
	return offsets
}

func validateQuestions(qs []Question, v *domain.ValidationError) {
	if len(qs) > maxQuestions {
		v.Problem("questions", "too_many", domain.Params{"Max": maxQuestions}, fmt.Sprintf("at most %d questions", maxQuestions))
		return
	}
	keys := map[string]bool{}
	for i, q := range qs {
		field := func(name string) string { return fmt.Sprintf("questions[%d].%s", i, name) }
		switch {
		case q.Key == "":
			v.Problem(field("key"), "required", nil, "is required")
		case len(q.Key) > maxQuestionKeyLen || !questionKeyPattern.MatchString(q.Key):
			v.Problem(field("key"), "key_format", domain.Params{"Max": maxQuestionKeyLen},
				fmt.Sprintf("must start with a letter a-z and contain only a-z, 0-9 and _, at most %d characters", maxQuestionKeyLen))
		case keys[q.Key]:
			v.Problem(field("key"), "duplicate", nil, "is used by another question")
		}
		keys[q.Key] = true
		switch n := utf8.RuneCountInString(q.Label); {
		case !v.CheckLine(field("label"), q.Label):
		case n == 0:
			v.Problem(field("label"), "required", nil, "is required")
		case n > maxQuestionLabelLen:
			v.Problem(field("label"), "too_long", domain.Params{"Max": maxQuestionLabelLen}, fmt.Sprintf("must be at most %d characters long", maxQuestionLabelLen))
		}
		switch q.Kind {
		case KindSelect:
			validateOptions(q.Options, field("options"), v)
		case KindText, KindTextarea, KindCheckbox:
			if len(q.Options) > 0 {
				v.Problem(field("options"), "no_options", nil, "only questions of kind select have options")
			}
		default:
			v.Problem(field("kind"), "one_of", domain.Params{"Values": "text, textarea, select, checkbox"}, "must be text, textarea, select or checkbox")
		}
	}
}

func validateOptions(options []string, field string, v *domain.ValidationError) {
	if len(options) < minOptions || len(options) > maxOptions {
		v.Problem(field, "option_count", domain.Params{"Min": minOptions, "Max": maxOptions}, fmt.Sprintf("a select question needs %d to %d options", minOptions, maxOptions))
		return
	}
	seen := map[string]bool{}
	for j, o := range options {
		f := fmt.Sprintf("%s[%d]", field, j)
		switch n := utf8.RuneCountInString(o); {
		case !v.CheckLine(f, o):
		case n == 0:
			v.Problem(f, "required", nil, "is required")
		case n > maxOptionLen:
			v.Problem(f, "too_long", domain.Params{"Max": maxOptionLen}, fmt.Sprintf("must be at most %d characters long", maxOptionLen))
		case seen[o]:
			v.Problem(f, "duplicate", nil, "is given twice")
		}
		seen[o] = true
	}
}
