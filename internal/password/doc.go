// Package password hashes and checks passwords with Argon2id (RFC 9106),
// encoded as PHC strings:
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// (salt and hash in unpadded standard base64, as the PHC string format and
// the reference implementation write them).
//
// Parameters: m=19 MiB, t=2 iterations, p=1 lane, a 16-byte random salt and
// a 32-byte key: the first configuration of the OWASP Password Storage Cheat
// Sheet. It costs about 50–100 ms of one core on a small server, which keeps
// a login fast while making offline guessing expensive; RFC 9106's 64 MiB,
// t=3 alternative took over a second on our reference machine. At most
// GOMAXPROCS hashes run at once, so a burst of logins cannot use more than
// 19 MiB per core. Check reads the parameters from the stored string, so
// they can be raised later; NeedsRehash tells the caller when to re-encode.
//
// It lives in its own package because both the sqlite adapter (which stores
// the hashes) and the auth service use it, and adapters must not import
// services.
package password
