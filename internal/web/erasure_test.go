package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/podium-events/podium/internal/auth"
	"github.com/podium-events/podium/internal/event"
	"github.com/podium-events/podium/internal/mail/mailtest"
	"github.com/podium-events/podium/internal/registration"
)

// traces returns every place in the database where needle occurs (in any case): table.column
// and how many rows, across every text, varchar, json, jsonb and array column of every table.
func traces(t *testing.T, pool *sqlx.DB, needle string) []string {
	t.Helper()
	var cols []struct {
		Table  string `db:"table_name"`
		Column string `db:"column_name"`
	}
	query := `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY')
		ORDER BY table_name, column_name`
	if err := pool.Select(&cols, query); err != nil {
		t.Fatal(err)
	}
	if len(cols) < 20 {
		t.Fatalf("only %d text columns found: the search looks in the wrong place", len(cols))
	}
	var found []string
	for _, c := range cols {
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE strpos(lower(%s::text), lower($1)) > 0`,
			pq.QuoteIdentifier(c.Table), pq.QuoteIdentifier(c.Column))
		if err := pool.Get(&n, q, needle); err != nil {
			t.Fatalf("%s.%s: %v", c.Table, c.Column, err)
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%s.%s (%d rows)", c.Table, c.Column, n))
		}
	}
	return found
}

// Erasing an attendee, by their own request or at the end of the retention period, leaves their
// name and address nowhere in the database: not in the registration, not in the error a mail
// server gave for their address, not in the audit log of the organizer's export.
func TestErasureLeavesNoTrace(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"attendee deletes", "retention period ends"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			ctx := context.Background()
			_, orga := h.user("orga@example.org", auth.RoleOrganizer)
			slug := publishedEvent(t, h, orga, "").Slug
			e, err := event.BySlug(ctx, h.pool, slug)
			if err != nil {
				t.Fatal(err)
			}
			const (
				name    = "Anna Quellenbach-Wirtz"
				address = "anna.quellenbach@musterstadt.example"
			)
			anna := registration.Input{Name: name, Email: address, Organization: "Kämmerei Quellenbach",
				Municipality: "Gemeinde Quellenbach", Role: "Leitung", Consent: true,
				Answers: map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Optimierer"`)}}
			_, token, err := registration.Register(ctx, h.pool, auth.ManageKey(harnessSecret), e, anna, h.now)
			if err != nil {
				t.Fatal(err)
			}
			other := registration.Input{Name: "Max Beispiel", Email: "max@koeln.example", Consent: true,
				Answers: map[string]json.RawMessage{"kommunentyp": json.RawMessage(`"Die Bedächtigen"`)}}
			if _, _, err := registration.Register(ctx, h.pool, auth.ManageKey(harnessSecret), e, other, h.now); err != nil {
				t.Fatal(err)
			}

			// Her mail server refuses her address, quoting it, as real ones do.
			smtp := mailtest.Start(t)
			smtp.Unknown(address)
			sendAll(t, h.mailWorker(smtp))
			var failed int
			h.pool.Get(&failed, `SELECT count(*) FROM outbox WHERE status = 'failed'`)
			if failed != 1 {
				t.Fatalf("%d failed messages, want Anna's", failed)
			}
			// The organizer opens an export link that names her (a bookmarked search, say).
			if rec := h.do("GET", "/api/v1/events/"+slug+"/attendees.csv?status=all&q="+address+"&note=Quellenbach", orga, ""); rec.Code != http.StatusOK {
				t.Fatalf("export: %d", rec.Code)
			}
			if found := traces(t, h.pool, "quellenbach"); len(found) == 0 {
				t.Fatal("before erasure the search finds nothing: it does not work")
			}

			if how == "attendee deletes" {
				if rec := h.do("DELETE", "/api/v1/registrations/"+token, "", ""); rec.Code != http.StatusNoContent {
					t.Fatalf("DELETE: %d %s", rec.Code, rec.Body)
				}
			} else {
				n, err := registration.EraseEnded(ctx, h.pool, e.EndsAt.Add(time.Second))
				if err != nil || n != 2 {
					t.Fatalf("retention erased %d, %v; want both", n, err)
				}
			}
			for _, needle := range []string{"quellenbach", address, "anna."} {
				if found := traces(t, h.pool, needle); len(found) > 0 {
					t.Errorf("after erasure %q remains in %s", needle, strings.Join(found, ", "))
				}
			}
			if how == "attendee deletes" {
				if found := traces(t, h.pool, "max@koeln.example"); len(found) == 0 {
					t.Error("erasing Anna also erased Max")
				}
			}
		})
	}
}
