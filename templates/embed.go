// Package templates holds everything the server shows people: HTML pages, message catalogs
// (German and English) and static assets, embedded into the binary.
package templates

import "embed"

// FS holds the pages, partials, message catalogs and static files.
//
//go:embed pages/*.html mail/* i18n/*.toml legal/*.md certificate/*.ttf static
var FS embed.FS
