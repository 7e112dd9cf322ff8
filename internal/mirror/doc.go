// Package mirror replicates signed releases from an archive, or from
// another mirror, into the local store, so the network of copies survives
// the loss of the origin. It also checks a release, at a URL or in a folder,
// against the archive's pinned public key (`trove verify-release`).
//
// # Protocol consumed
//
// Every archive and mirror serves, under its base URL:
//
//	GET /releases/index.json                  {"releases":[{"name", "manifest_sha256", ...}]}
//	GET /releases/NAME/manifest.json          the manifest, exactly as signed
//	GET /releases/NAME/manifest.json.minisig  its minisign signature
//	GET /files/NAME/<path>                    file bytes; Range (RFC 9110 §14) and ETag "<sha256>"
//	GET /mirrors.json                         {"mirrors":[{"url", "added"}]}
//
// A token, where one is configured for a source, is sent to that source
// only, as "Authorization: Bearer <token>" (RFC 6750). It is never sent to
// a mirror learned from a mirrors.json.
//
// # Trust
//
// Index and mirror lists are untrusted hints: they decide what to ask for,
// never what to keep. A manifest is trusted only when its signature
// verifies against the pinned key, it parses (release.Parse refuses unsafe
// paths) and it names the release it was asked for. A file is trusted only
// once its SHA-256 matches the manifest; bytes that do not match are
// deleted, never Put in the store, and the source that served them is not
// used again during that Sync and is named in the report. A release is
// handed to the Catalog only when every one of its files is in the store.
//
// # Fetching
//
// Each file is asked of every known source: the given ones in order, then
// the mirrors their mirrors.json lists, a source that failed recently
// being tried last. Not found (404, 410), a server error, a dropped
// connection, a stalled transfer and a hash mismatch all move on to the
// next source. Bytes received are appended to a partial file in
// Options.PartialDir named "<sha256>.part" (never after the manifest
// path); the next attempt, from the same source or another one, and also
// after a crash, asks for the rest with "Range: bytes=N-" and appends only
// when the answer is 206 with a matching Content-Range; a 200 restarts
// from zero. A partial that fails the hash check after a resume is
// discarded and fetched once more from scratch before its source is
// blamed, as the bytes at fault may have come from elsewhere.
//
// One Syncer runs one Sync at a time; two processes must not share a
// PartialDir.
package mirror
