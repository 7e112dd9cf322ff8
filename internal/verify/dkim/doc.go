// Package dkim verifies the DKIM signatures (RFC 6376; rsa-sha256,
// rsa-sha1 and ed25519-sha256 of RFC 8463) of emails and reads their ARC
// sets (RFC 8617), for single messages (Verifier) and for every email of a
// dataset (Run).
//
// Keys come from key archive files (DNS zone-file style, ParseKeyFile) and,
// only when allowed, from live DNS through a configured resolver. A
// message's signatures are checked against the keys as they were captured:
// leaked mail is often years old and its keys are long gone from DNS. Every
// key used is recorded with its source and the time it was captured or
// fetched.
//
// The verifier is written here rather than taken from a library because
// old mail is signed with rsa-sha1 and short RSA keys, which current
// libraries refuse (RFC 8301); trove verifies them and says so in the
// result's Reason instead of hiding the evidence.
//
// Messages rebuilt from Outlook files (msg, and the messages readpst writes
// from pst) do not hold the bytes that were signed: they are reported as
// unverifiable, never as fail.
package dkim
