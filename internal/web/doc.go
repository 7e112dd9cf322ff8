// Package web is trove's HTML user interface: server-rendered pages for
// browsing datasets, searching, reading items and downloading originals,
// signing in, requesting access and administering access requests, users,
// release levels and the audit log.
//
// Every page works without JavaScript (there is none) and without any
// request to another site. Templates and static files are embedded and
// parsed at start-up; each page has its own template and typed data.
//
// The reader is archive.PrincipalFrom(r.Context()), set by the
// authentication middleware in front of this handler. Every read goes
// through catalog methods that filter by release level inside their
// queries, so that hidden datasets and items look exactly like missing
// ones: the same 404 page.
package web
