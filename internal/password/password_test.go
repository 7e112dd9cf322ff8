package password_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"github.com/trove-archive/trove/internal/password"
)

func TestHashRoundTrip(t *testing.T) {
	const pw = "correct horse battery"
	h1, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(h1) {
		t.Fatalf("hash %q is not the expected PHC string", h1)
	}
	h2, err := password.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	if h1 == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{
		{pw, true},
		{pw + " ", false},
		{"Correct horse battery", false},
		{"", false},
		{strings.Repeat("x", password.MaxLength+1), false},
	} {
		ok, err := password.Check(h1, c.pw)
		if err != nil || ok != c.want {
			t.Errorf("Check(%.20q) = %v, %v; want %v", c.pw, ok, err, c.want)
		}
	}
	if password.NeedsRehash(h1) {
		t.Error("a fresh hash needs rehashing")
	}
	if password.CheckDummy(pw) {
		t.Error("CheckDummy accepted a password")
	}
}

// TestCheckForeignParams checks a hash made elsewhere (argon2.IDKey with
// other parameters, encoded by hand): Check must take the parameters from
// the string.
func TestCheckForeignParams(t *testing.T) {
	salt := []byte("somesalt-16bytes")
	key := argon2.IDKey([]byte("password123"), salt, 3, 64, 2, 24)
	b64 := base64.RawStdEncoding
	enc := fmt.Sprintf("$argon2id$v=19$m=64,t=3,p=2$%s$%s", b64.EncodeToString(salt), b64.EncodeToString(key))
	p, s, k, err := password.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if p.Memory != 64 || p.Time != 3 || p.Threads != 2 || p.KeyLen != 24 || string(s) != string(salt) || string(k) != string(key) {
		t.Fatalf("Decode = %+v", p)
	}
	if ok, err := password.Check(enc, "password123"); !ok || err != nil {
		t.Fatalf("Check = %v, %v", ok, err)
	}
	if ok, _ := password.Check(enc, "password124"); ok {
		t.Fatal("wrong password accepted")
	}
	if !password.NeedsRehash(enc) {
		t.Fatal("weaker parameters do not ask for a rehash")
	}
}

func TestDecodeMalformed(t *testing.T) {
	good, err := password.Hash("0123456789")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	for _, bad := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$m=19456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=-1,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "=$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=19456,t=2,p=1$$" + key,
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key[:10],
		"$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "!",
	} {
		if _, _, _, err := password.Decode(bad); !errors.Is(err, password.ErrMalformed) {
			t.Errorf("Decode(%q) = %v, want ErrMalformed", bad, err)
		}
		if ok, err := password.Check(bad, "0123456789"); ok || !errors.Is(err, password.ErrMalformed) {
			t.Errorf("Check(%q) = %v, %v", bad, ok, err)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		pw string
		ok bool
	}{
		{"", false},
		{"123456789", false},
		{"1234567890", true},
		{strings.Repeat("é", 512), true},
		{strings.Repeat("x", password.MaxLength+1), false},
	} {
		if err := password.Validate(c.pw); (err == nil) != c.ok {
			t.Errorf("Validate(len %d) = %v", len(c.pw), err)
		}
		if _, err := password.Hash(c.pw); (err == nil) != c.ok {
			t.Errorf("Hash(len %d) = %v", len(c.pw), err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObGRdescudvJCs")
	f.Add("$argon2id$v=19$m=64,t=3,p=2$c29tZXNhbHQ$RdescudvJCsgt3ub")
	f.Add("$argon2id$v=19$p=1,t=1,m=8$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := password.Decode(s)
		if err != nil {
			return
		}
		if p.Time < 1 || p.Threads < 1 || p.Memory < 8*uint32(p.Threads) || len(salt) < 8 || len(key) < 16 {
			t.Fatalf("Decode(%q) accepted %+v", s, p)
		}
	})
}
