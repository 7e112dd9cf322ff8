// Package api is trove's JSON API for journalists, researchers and the
// public: datasets, folder listings, search, items, their extracted text and
// their original bytes.
//
// # Mounting
//
// New returns a handler whose routes are relative to the API root ("/datasets",
// "/items/{id}", ...). The server mounts it under /api/v1 with the prefix
// stripped:
//
//	mux.Handle("/api/v1/", http.StripPrefix("/api/v1", api.New(deps)))
//
// Links the API returns are relative (a query such as "?page=2"), so they
// resolve correctly under any prefix.
//
// # Identity and access
//
// The reader is the archive.Principal in the request context, set by the auth
// middleware in front of this handler (anonymous when there is none). Every
// read goes through the catalog and the index with that principal, which
// filter by release level inside their queries: a dataset or item the reader
// may not see answers exactly like one that does not exist (404 not_found),
// and is absent from lists, totals and facets.
//
// # Errors
//
// Every error is JSON: {"error":{"code":"not_found","message":"..."}}. The
// codes are those of archive.Error (invalid 400, unauthorized 401,
// not_found 404, conflict 409, internal 500) and a few of HTTP itself
// (method_not_allowed 405, precondition_failed 412, uri_too_long 414,
// range_not_satisfiable 416), mapped to statuses in one place (errors.go).
// Internal errors are logged and answered "internal error": no error text
// or file-system path of the server reaches a client.
//
// # Audit
//
// When Deps.Audit is set, a signed-in reader's searches are recorded (every
// one, with the query), and so are their views of items, texts and
// originals of datasets that are not public. Anonymous readers are never
// recorded. Recording fails closed: if the entry cannot be written, the
// reader gets an internal error and no content.
//
// The routes, their parameters and responses are described by the OpenAPI
// 3.0 document served at /openapi.json (openapi.json in this folder).
package api
