// Package server is trove's HTTP server: it mounts the web UI at "/", the
// JSON API at "/api/v1/" and static files at "/static/", behind one chain
// of middleware (security headers on every response, a request body
// limit, panic recovery, an optional access log that never records client
// addresses, and the authentication middleware), with timeouts suited to
// large downloads and graceful shutdown.
package server
