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
//   - Sink.Expect gets the number of regular files when the format lists
//     them up front (zip, 7z, a single compressed stream); tar, RAR and a
//     zip salvaged from its local headers do not call it.
//   - Members are streamed, never held in memory. Sizes and checksums are
//     checked as the sink reads: a member that fails at its end (CRC
//     mismatch, truncated data) makes the reader return an error, so the
//     sink's Child must drop what it read when reading fails.
//   - A member that cannot be read (encrypted with no working password,
//     corrupt data, a checksum mismatch, an unsupported compression method)
//     is recorded with Sink.ChildFailed and the container goes on with the
//     next member. A container whose own structure is broken returns an
//     error wrapping extract.ErrCorrupt, after emitting what it could (a
//     zip whose central directory is lost is read from its local headers).
//   - Limits bound the expansion before the ingest's own budget does: a
//     member larger than Limits.MaxMemberBytes, or a container listing more
//     than Limits.MaxMembers entries, stops extraction with an error
//     wrapping extract.ErrBomb; a decoder window larger than
//     Limits.MaxWindowBytes fails with extract.ErrTooLarge.
//   - Sink.Meta().Encrypted is set when the container or any member is
//     encrypted, whether or not a password opened it.
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
