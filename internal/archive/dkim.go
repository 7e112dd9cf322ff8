package archive

import "time"

// DKIMVerdict is the outcome of checking one DKIM signature (RFC 6376) of an
// email, or the absence of any signature.
type DKIMVerdict string

const (
	// DKIMPass: the signature verifies with the key found.
	DKIMPass DKIMVerdict = "pass"
	// DKIMFail: the body hash or the header signature does not match (see Reason).
	DKIMFail DKIMVerdict = "fail"
	// DKIMNone: the message carries no DKIM-Signature.
	DKIMNone DKIMVerdict = "none"
	// DKIMKeyMissing: no key record was found in any allowed source.
	DKIMKeyMissing DKIMVerdict = "key_missing"
	// DKIMKeyRevoked: the key record has an empty p= (RFC 6376 section 3.6.1).
	DKIMKeyRevoked DKIMVerdict = "key_revoked"
	// DKIMError: the signature or the key record is malformed or uses an
	// unsupported algorithm, so it cannot be checked.
	DKIMError DKIMVerdict = "error"
	// DKIMUnverifiable: the message was rebuilt from another format (msg,
	// pst) and its original bytes, which the signature covers, are gone.
	DKIMUnverifiable DKIMVerdict = "unverifiable"
)

// DKIMVerdicts lists every verdict.
var DKIMVerdicts = []DKIMVerdict{DKIMPass, DKIMFail, DKIMNone, DKIMKeyMissing, DKIMKeyRevoked,
	DKIMError, DKIMUnverifiable}

// Valid reports whether v is a known verdict.
func (v DKIMVerdict) Valid() bool {
	for _, x := range DKIMVerdicts {
		if v == x {
			return true
		}
	}
	return false
}

// DKIMResult is the check of one signature of one message (or, with verdict
// none or unverifiable, of the message as a whole).
type DKIMResult struct {
	Domain, Selector, Algorithm, Canonicalization string
	Headers                                       []string // signed header fields (h=)
	Verdict                                       DKIMVerdict
	Reason                                        string    // e.g. "body hash mismatch", "signature mismatch"
	KeySource                                     string    // "archive:<file name>" or "dns:<resolver>"; "" if no key was used
	KeyFetched                                    time.Time // when the key was fetched or captured; zero if unknown
	KeyRecord                                     string    // the key's TXT record text
	// ARC is set on the row of the first signature (or the none row) when the
	// message carries ARC sets (RFC 8617); nil otherwise.
	ARC []ARCSet
}

// ARCSet is one ARC set (RFC 8617) read from a message: instance, the seal's
// signing domain and selector, and the chain validation status it claims
// (cv=). The seals are read and recorded, not cryptographically verified.
type ARCSet struct {
	Instance         int
	Domain, Selector string
	Algorithm        string
	ChainValidation  string // cv= of the ARC-Seal: none, pass, fail
	AuthResults      string // the ARC-Authentication-Results payload, trimmed
}

// DKIMKey is a key record used in a check, with where and when it came from.
type DKIMKey struct {
	Domain, Selector string
	Record           string // TXT record text, strings joined
	Source           string // "archive:<file name>" or "dns:<resolver>"
	Fetched          time.Time
}

// DKIMDomainCount counts the messages of a dataset with a signing domain and verdict.
type DKIMDomainCount struct {
	Domain   string
	Verdict  DKIMVerdict
	Messages int64
}

// DKIMMessage is an email blob of a dataset to check.
type DKIMMessage struct {
	Blob BlobID
	// Rebuilt names the format the message was rebuilt from ("msg", "pst")
	// when the blob is not the original message; "" for original bytes.
	Rebuilt string
}

// DKIMCheck is the outcome of checking one email blob, as stored.
type DKIMCheck struct {
	Blob    BlobID
	Results []DKIMResult // at least one: a none or unverifiable row when no signature was checked
	ARC     []ARCSet
	Checked time.Time
}
