// Package migrations holds the numbered SQL schema changes, applied in order by goose.
// Shipped files are never edited; a change is a new file.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
