package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Length limits, in bytes.
const (
	MinLength = 10
	// MaxLength bounds the work an attacker can ask for with one login.
	MaxLength = 1024
)

// Params are the Argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8  // lanes
	SaltLen int
	KeyLen  int
}

// Default is what Hash uses (see the package comment).
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrMalformed is returned for a stored hash that is not an Argon2id PHC
// string trove can read.
var ErrMalformed = errors.New("password: malformed hash")

// sem bounds concurrent hashing, hence memory (Memory KiB each).
var sem = make(chan struct{}, max(runtime.GOMAXPROCS(0), 1))

func idKey(pw, salt []byte, p Params, keyLen int) []byte {
	sem <- struct{}{}
	defer func() { <-sem }()
	return argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, uint32(keyLen))
}

// Validate checks a new password's length. The message is safe to show.
func Validate(pw string) error {
	switch {
	case len(pw) < MinLength:
		return fmt.Errorf("password too short: use at least %d characters", MinLength)
	case len(pw) > MaxLength:
		return fmt.Errorf("password too long: use at most %d bytes", MaxLength)
	}
	return nil
}

// Hash validates pw and returns its PHC-encoded Argon2id hash with the
// Default parameters and a fresh random salt.
func Hash(pw string) (string, error) {
	return HashWith(pw, Default)
}

// HashWith is Hash with explicit parameters.
func HashWith(pw string, p Params) (string, error) {
	if err := Validate(pw); err != nil {
		return "", err
	}
	if p.Memory < 8*uint32(p.Threads) || p.Time < 1 || p.Threads < 1 || p.SaltLen < 8 || p.KeyLen < 16 {
		return "", fmt.Errorf("password hash: bad parameters %+v", p)
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never returns an error (crypto/rand, Go 1.24+)
	key := idKey([]byte(pw), salt, p, p.KeyLen)
	return encode(p, salt, key), nil
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Decode parses a PHC string into its parameters, salt and key.
func Decode(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformed
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, ErrMalformed
	}
	var seen [3]bool
	for kv := range strings.SplitSeq(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, ErrMalformed
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || (v != "0" && v[0] == '0') {
			return p, nil, nil, ErrMalformed
		}
		switch {
		case k == "m" && !seen[0]:
			p.Memory, seen[0] = uint32(n), true
		case k == "t" && !seen[1]:
			p.Time, seen[1] = uint32(n), true
		case k == "p" && !seen[2] && n <= 255:
			p.Threads, seen[2] = uint8(n), true
		default:
			return p, nil, nil, ErrMalformed
		}
	}
	if !seen[0] || !seen[1] || !seen[2] || p.Time < 1 || p.Threads < 1 || p.Memory < 8*uint32(p.Threads) ||
		p.Memory > 4*1024*1024 || p.Time > 64 { // refuse costs no sane configuration would store
		return p, nil, nil, ErrMalformed
	}
	b64 := base64.RawStdEncoding
	if salt, err = b64.Strict().DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, ErrMalformed
	}
	if key, err = b64.Strict().DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 1024 {
		return p, nil, nil, ErrMalformed
	}
	p.SaltLen, p.KeyLen = len(salt), len(key)
	return p, salt, key, nil
}

// Check reports whether pw matches the encoded hash, comparing in constant
// time. It returns ErrMalformed when encoded cannot be read.
func Check(encoded, pw string) (bool, error) {
	p, salt, key, err := Decode(encoded)
	if err != nil {
		return false, err
	}
	if len(pw) > MaxLength {
		// Same cost as a real check, so the length does not show in timing.
		CheckDummy(pw[:MaxLength])
		return false, nil
	}
	got := idKey([]byte(pw), salt, p, len(key))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether encoded was made with other parameters than
// Default (or cannot be read), so that a successful login should store a
// fresh hash.
func NeedsRehash(encoded string) bool {
	p, _, _, err := Decode(encoded)
	return err != nil || p.Memory != Default.Memory || p.Time != Default.Time || p.Threads != Default.Threads ||
		p.SaltLen != Default.SaltLen || p.KeyLen != Default.KeyLen
}

var dummy = sync.OnceValue(func() string {
	salt := make([]byte, Default.SaltLen)
	rand.Read(salt)
	return encode(Default, salt, make([]byte, Default.KeyLen))
})

// CheckDummy does the work of Check against a hash no password matches,
// for unknown or disabled users, so that the response time does not say
// whether a name exists. It always returns false.
func CheckDummy(pw string) bool {
	if len(pw) > MaxLength {
		pw = pw[:MaxLength]
	}
	Check(dummy(), pw)
	return false
}
