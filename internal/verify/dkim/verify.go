package dkim

import (
	"bufio"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// maxSignatures bounds the signatures checked per message; more are
// reported as errors without being checked (a message built to cost work).
const maxSignatures = 16

// Verifier checks messages with the keys of Keys.
type Verifier struct {
	Keys *Keys
}

// Result is the outcome of checking one message.
type Result struct {
	// Signatures has one entry per DKIM-Signature field, top to bottom, or
	// a single entry with verdict none when there is none.
	Signatures []archive.DKIMResult
	// ARC lists the ARC sets of the message by instance (not verified).
	ARC []archive.ARCSet
	// From is the domain of the From address, lower case ("" if none).
	From string
}

// sig is one parsed DKIM-Signature.
type sig struct {
	res       *archive.DKIMResult
	index     int // field index in the header
	tags      tagList
	keyAlgo   string // "rsa", "ed25519"
	hashName  string // "sha256", "sha1"
	hash      crypto.Hash
	hRelaxed  bool
	bRelaxed  bool
	limit     int64
	bodyHash  []byte
	signature []byte
	identity  string
	expires   time.Time
	body      *bodyHasher
}

// Verify reads one message and checks every DKIM signature in it. Errors
// are returned only for a failure to read r; problems of the message or
// its keys are verdicts.
func (v *Verifier) Verify(ctx context.Context, r io.Reader) (*Result, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	fields, err := readHeader(br)
	if errors.Is(err, errHeaderTooLarge) {
		return &Result{Signatures: []archive.DKIMResult{{Verdict: archive.DKIMError, Reason: err.Error()}}}, nil
	} else if err != nil {
		return nil, err
	}
	res := &Result{ARC: readARC(fields), From: fromDomain(fields)}
	var sigs []*sig
	for i, f := range fields {
		if !strings.EqualFold(f.name, "DKIM-Signature") {
			continue
		}
		r := archive.DKIMResult{}
		s := &sig{res: &r, index: i}
		if len(sigs) >= maxSignatures {
			r.Verdict, r.Reason = archive.DKIMError, fmt.Sprintf("more than %d signatures: not checked", maxSignatures)
		} else if err := s.parse(f.value()); err != nil {
			r.Verdict, r.Reason = archive.DKIMError, err.Error()
		}
		sigs = append(sigs, s)
	}
	if len(sigs) == 0 {
		res.Signatures = []archive.DKIMResult{{Domain: res.From, Verdict: archive.DKIMNone, Reason: "no DKIM-Signature"}}
		return res, nil
	}
	var hashers []*bodyHasher
	for _, s := range sigs {
		if s.res.Verdict == "" {
			var h hash.Hash
			if s.hash == crypto.SHA1 {
				h = sha1.New()
			} else {
				h = sha256.New()
			}
			s.body = newBodyHasher(h, s.bRelaxed, s.limit)
			hashers = append(hashers, s.body)
		}
	}
	if len(hashers) > 0 {
		if err := readBody(br, hashers); err != nil {
			return nil, err
		}
	}
	for _, s := range sigs {
		if s.res.Verdict == "" {
			v.check(ctx, s, fields)
		}
		res.Signatures = append(res.Signatures, *s.res)
	}
	return res, nil
}

// parse reads the tags of a DKIM-Signature (RFC 6376 section 3.5).
func (s *sig) parse(value string) error {
	tags, err := parseTags(value)
	if err != nil {
		return fmt.Errorf("malformed signature: %w", err)
	}
	s.tags = tags
	r := s.res
	r.Domain = strings.ToLower(tags.value("d"))
	r.Selector = tags.value("s")
	r.Algorithm = strings.ToLower(tags.value("a"))
	c, hasC := tags.get("c")
	if !hasC {
		c = "simple/simple"
	}
	c = strings.ToLower(c)
	hc, bc, ok := strings.Cut(c, "/")
	if !ok {
		bc = canonSimple
	}
	r.Canonicalization = hc + "/" + bc
	for _, h := range strings.Split(tags.value("h"), ":") {
		if h = trimFWS(h); h != "" {
			r.Headers = append(r.Headers, h)
		}
	}
	if v, _ := tags.get("v"); v != "1" {
		return errors.New("malformed signature: v= is not 1")
	}
	for _, t := range []string{"a", "b", "bh", "d", "h", "s"} {
		if _, ok := tags.get(t); !ok {
			return fmt.Errorf("malformed signature: no %s= tag", t)
		}
	}
	switch r.Algorithm {
	case "rsa-sha256":
		s.keyAlgo, s.hashName, s.hash = "rsa", "sha256", crypto.SHA256
	case "rsa-sha1":
		s.keyAlgo, s.hashName, s.hash = "rsa", "sha1", crypto.SHA1
	case "ed25519-sha256":
		s.keyAlgo, s.hashName, s.hash = "ed25519", "sha256", crypto.SHA256
	default:
		return fmt.Errorf("unsupported algorithm %q", clip(r.Algorithm))
	}
	for _, x := range []string{hc, bc} {
		if x != canonSimple && x != canonRelaxed {
			return fmt.Errorf("unsupported canonicalization %q", clip(c))
		}
	}
	s.hRelaxed, s.bRelaxed = hc == canonRelaxed, bc == canonRelaxed
	if r.Domain == "" || r.Selector == "" {
		return errors.New("malformed signature: empty d= or s=")
	}
	if q, ok := tags.get("q"); ok && !strings.Contains(strings.ToLower(q), "dns/txt") {
		return fmt.Errorf("unsupported query method %q", clip(q))
	}
	from := false
	for _, h := range r.Headers {
		if strings.EqualFold(h, "From") {
			from = true
		}
	}
	if !from {
		return errors.New("malformed signature: From is not signed")
	}
	s.identity = "@" + r.Domain
	if i, ok := tags.get("i"); ok {
		s.identity = i
		at := strings.LastIndexByte(i, '@')
		if at < 0 {
			return errors.New("malformed signature: i= has no '@'")
		}
		dom := strings.ToLower(i[at+1:])
		if dom != r.Domain && !strings.HasSuffix(dom, "."+r.Domain) {
			return errors.New("malformed signature: i= domain is not d= or below it")
		}
	}
	s.limit = -1
	if l, ok := tags.get("l"); ok {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n < 0 {
			return errors.New("malformed signature: bad l=")
		}
		s.limit = n
	}
	if x, ok := tags.get("x"); ok {
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return errors.New("malformed signature: bad x=")
		}
		s.expires = time.Unix(n, 0).UTC()
	}
	if s.bodyHash, err = base64.StdEncoding.DecodeString(stripFWS(tags.value("bh"))); err != nil {
		return errors.New("malformed signature: bh= is not base64")
	}
	if s.signature, err = base64.StdEncoding.DecodeString(stripFWS(tags.value("b"))); err != nil {
		return errors.New("malformed signature: b= is not base64")
	}
	return nil
}

func (l tagList) value(name string) string {
	v, _ := l.get(name)
	return v
}

// check finds the key and verifies body hash and signature.
func (v *Verifier) check(ctx context.Context, s *sig, fields []field) {
	r := s.res
	recs, err := v.Keys.lookup(ctx, r.Domain, r.Selector)
	switch {
	case errors.Is(err, ErrNoKey):
		r.Verdict, r.Reason = archive.DKIMKeyMissing, "no key record for "+r.Selector+"._domainkey."+r.Domain
		return
	case err != nil:
		r.Verdict, r.Reason = archive.DKIMError, "key lookup failed (temporary): "+dnsReason(err)
		return
	}
	bodyHash := s.body.finish()
	var notes []string
	if s.limit >= 0 {
		if s.body.n < s.limit {
			r.Verdict, r.Reason = archive.DKIMFail, "body hash mismatch: body shorter than l="
			return
		}
		if s.body.n > s.limit {
			notes = append(notes, fmt.Sprintf("l=%d: %d body bytes after it are not signed", s.limit, s.body.n-s.limit))
		}
	}
	bodyOK := subtle.ConstantTimeCompare(bodyHash, s.bodyHash) == 1

	// The data signed: the selected header fields, then this signature
	// with b= emptied and no final CRLF.
	h := s.hash.New()
	used := map[string]int{} // lower-case name → fields of it consumed from the bottom
	for _, name := range r.Headers {
		ln := strings.ToLower(name)
		skip := used[ln]
		used[ln]++
		for i := len(fields) - 1; i >= 0; i-- {
			if !strings.EqualFold(fields[i].name, name) {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			io.WriteString(h, canonHeader(fields[i].raw, s.hRelaxed))
			break
		}
	}
	self := canonHeader(removeB(fields[s.index].raw), s.hRelaxed)
	io.WriteString(h, strings.TrimSuffix(self, "\r\n"))
	digest := h.Sum(nil)

	// Try each record (a selector may have several, captured at different
	// times): the first that verifies wins; otherwise report the first.
	var first *archive.DKIMResult
	for _, rec := range recs {
		out := *r
		out.KeySource, out.KeyFetched, out.KeyRecord = rec.source, rec.fetched, rec.text
		verdict, reason := verifyWith(s, rec.text, digest, bodyOK)
		out.Verdict, out.Reason = verdict, reason
		if verdict == archive.DKIMPass {
			out.Reason = strings.Join(append(passNotes(s, rec.text), notes...), "; ")
			*r = out
			return
		}
		if first == nil {
			first = &out
		}
	}
	*r = *first
}

// verifyWith checks the signature with one key record.
func verifyWith(s *sig, record string, digest []byte, bodyOK bool) (archive.DKIMVerdict, string) {
	key, err := parseKey(record)
	if errors.Is(err, errRevoked) {
		return archive.DKIMKeyRevoked, "key revoked (empty p=)"
	} else if err != nil {
		return archive.DKIMError, err.Error()
	}
	if key.algo != s.keyAlgo {
		return archive.DKIMError, fmt.Sprintf("key is %s, signature is %s", key.algo, s.res.Algorithm)
	}
	if len(key.hashes) > 0 && !contains(key.hashes, s.hashName) {
		return archive.DKIMError, "key does not allow " + s.hashName + " (h=)"
	}
	if key.strict && !strings.EqualFold(s.identity[strings.LastIndexByte(s.identity, '@')+1:], s.res.Domain) {
		return archive.DKIMError, "key has t=s but i= is a subdomain of d="
	}
	if !bodyOK {
		return archive.DKIMFail, "body hash mismatch"
	}
	var ok bool
	switch k := key.pub.(type) {
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(k, s.hash, digest, s.signature) == nil
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, digest, s.signature)
	}
	if !ok {
		return archive.DKIMFail, "signature mismatch (signed header fields changed, or another key)"
	}
	return archive.DKIMPass, ""
}

// passNotes says what weakens a passing signature.
func passNotes(s *sig, record string) []string {
	var notes []string
	if s.hash == crypto.SHA1 {
		notes = append(notes, "rsa-sha1 (obsolete, RFC 8301)")
	}
	if key, err := parseKey(record); err == nil {
		if k, ok := key.pub.(*rsa.PublicKey); ok && k.N.BitLen() < 1024 {
			notes = append(notes, fmt.Sprintf("weak key: %d-bit RSA (RFC 8301 requires 1024)", k.N.BitLen()))
		}
		if key.testing {
			notes = append(notes, "key in test mode (t=y)")
		}
	}
	if !s.expires.IsZero() {
		notes = append(notes, "signature expired "+s.expires.Format(time.RFC3339)+" (checked as of signing)")
	}
	return notes
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var errRevoked = errors.New("key revoked")

// key is a parsed key record (RFC 6376 section 3.6.1).
type key struct {
	algo    string
	hashes  []string
	pub     crypto.PublicKey
	testing bool
	strict  bool
}

func parseKey(record string) (*key, error) {
	tags, err := parseTags(record)
	if err != nil {
		return nil, fmt.Errorf("malformed key record: %w", err)
	}
	if v, ok := tags.get("v"); ok && (v != "DKIM1" || tags[0].name != "v") {
		return nil, errors.New("malformed key record: v= is not DKIM1")
	}
	k := &key{algo: "rsa"}
	if a, ok := tags.get("k"); ok {
		k.algo = strings.ToLower(a)
	}
	if h, ok := tags.get("h"); ok {
		for _, x := range strings.Split(h, ":") {
			k.hashes = append(k.hashes, strings.ToLower(trimFWS(x)))
		}
	}
	if sv, ok := tags.get("s"); ok {
		okSvc := false
		for _, x := range strings.Split(sv, ":") {
			if x = trimFWS(x); x == "*" || strings.EqualFold(x, "email") {
				okSvc = true
			}
		}
		if !okSvc {
			return nil, errors.New("key not for email (s=)")
		}
	}
	if t, ok := tags.get("t"); ok {
		for _, x := range strings.Split(t, ":") {
			switch trimFWS(x) {
			case "y":
				k.testing = true
			case "s":
				k.strict = true
			}
		}
	}
	p, ok := tags.get("p")
	if !ok {
		return nil, errors.New("malformed key record: no p=")
	}
	p = stripFWS(p)
	if p == "" {
		return nil, errRevoked
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, errors.New("malformed key record: p= is not base64")
	}
	switch k.algo {
	case "rsa":
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			if rk, err2 := x509.ParsePKCS1PublicKey(der); err2 == nil {
				pub = rk
			} else {
				return nil, errors.New("malformed key record: p= is not an RSA public key")
			}
		}
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("malformed key record: p= is not an RSA public key")
		}
		k.pub = rk
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			return nil, errors.New("malformed key record: ed25519 key is not 32 bytes")
		}
		k.pub = ed25519.PublicKey(der)
	default:
		return nil, fmt.Errorf("unsupported key type %q", clip(k.algo))
	}
	return k, nil
}

// dnsReason describes a lookup error without addresses.
func dnsReason(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "timeout"), strings.Contains(s, "i/o timeout"):
		return "timeout"
	case strings.Contains(s, "refused"):
		return "connection refused"
	case strings.Contains(s, "server misbehaving"):
		return "server failure"
	}
	return "lookup error"
}

// fromDomain returns the lower-case domain of the (last) From address.
func fromDomain(fields []field) string {
	for i := len(fields) - 1; i >= 0; i-- {
		if !strings.EqualFold(fields[i].name, "From") {
			continue
		}
		v := fields[i].value()
		if lt := strings.LastIndexByte(v, '<'); lt >= 0 {
			v = v[lt+1:]
			if gt := strings.IndexByte(v, '>'); gt >= 0 {
				v = v[:gt]
			}
		}
		at := strings.LastIndexByte(v, '@')
		if at < 0 {
			return ""
		}
		d := strings.TrimSpace(v[at+1:])
		d = strings.TrimRight(d, " \t\r\n>;,)")
		if f := strings.Fields(d); len(f) > 0 {
			d = f[0]
		}
		return strings.ToLower(d)
	}
	return ""
}
