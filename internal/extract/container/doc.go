// Package container extracts the members of archives and compressed files:
// zip, tar (plain or inside gzip, bzip2 or xz), a single gzip, bzip2 or xz
// stream, 7z and rar. It writes no text of its own: every regular-file
// member goes to the sink as a child, streamed, and the ingest extracts it
// in turn.
//
// What every extractor here guarantees:
//
//   - Member names are reported as recorded, with a leading "/", "./" or
//     "../" removed for display. They are never used as file-system paths:
//     nothing is written to disk, whatever the name.
//   - Only regular files are emitted. Directories, symbolic and hard links,
//     devices, fifos and other special entries are skipped silently: they
//     count neither as expected nor as failed children.
//   - A member that cannot be read (encrypted with no working password,
//     corrupt data, a checksum mismatch, an unsupported compression method)
//     is recorded with Sink.ChildFailed and the container goes on with the
//     next member. A container whose own structure is broken returns an
//     error wrapping extract.ErrCorrupt, after emitting what it could.
//   - Limits bound the expansion before the ingest's own budget does: a
//     member larger than Limits.MaxMemberBytes, or a container listing more
//     than Limits.MaxMembers entries, stops extraction with an error
//     wrapping extract.ErrBomb.
//   - A panic inside a decoding library is recovered and reported as
//     extract.ErrCorrupt; it never crashes the ingest.
//   - When Sink.Child returns an error (budget exhausted, context done), the
//     extractor stops and returns that error. The context is checked
//     between members.
//
// A container never recurses into its members: a zip that contains itself
// (a "zip quine") yields itself as a child once, and it is the ingest's
// nesting limit that ends the recursion.
package container
