package release

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"aead.dev/minisign"

	"github.com/trove-archive/trove/internal/archive"
)

// Key file names inside the key folder (DATA/keys).
const (
	SecretKeyFile = "archive.key" // minisign secret key, unencrypted, mode 0600
	PublicKeyFile = "archive.pub" // minisign public key, for `minisign -V -p`
)

// Key is the archive's signing key.
type Key struct {
	priv minisign.PrivateKey
	pub  minisign.PublicKey
}

// LoadOrCreateKey reads the key from dir, creating a new one (and dir) the
// first time. The secret key is written with mode 0600; keep a copy offline:
// mirrors pin the public key, and a lost key means a new archive identity.
func LoadOrCreateKey(dir string) (*Key, bool, error) {
	k, err := LoadKey(dir)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, fmt.Errorf("key: %w", err)
	}
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("key: %w", err)
	}
	sec, _ := priv.MarshalText()
	pubText, _ := pub.MarshalText()
	if err := writeFileSync(filepath.Join(dir, SecretKeyFile), sec, 0o600); err != nil {
		return nil, false, err
	}
	if err := writeFileSync(filepath.Join(dir, PublicKeyFile), append(pubText, '\n'), 0o644); err != nil {
		return nil, false, err
	}
	return &Key{priv: priv, pub: pub}, true, nil
}

// LoadKey reads an existing key from dir; fs.ErrNotExist when there is none.
func LoadKey(dir string) (*Key, error) {
	b, err := os.ReadFile(filepath.Join(dir, SecretKeyFile))
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	var k Key
	if minisign.IsEncrypted(b) {
		pw := os.Getenv("TROVE_KEY_PASSWORD")
		if pw == "" {
			return nil, archive.Errorf(archive.EInvalid, "key %s is encrypted: set TROVE_KEY_PASSWORD", filepath.Join(dir, SecretKeyFile))
		}
		if k.priv, err = minisign.DecryptKey(pw, b); err != nil {
			return nil, archive.Errorf(archive.EInvalid, "key %s: %v", filepath.Join(dir, SecretKeyFile), err)
		}
	} else if err := k.priv.UnmarshalText(b); err != nil {
		return nil, archive.Errorf(archive.EInvalid, "key %s: %v", filepath.Join(dir, SecretKeyFile), err)
	}
	k.pub = k.priv.Public().(minisign.PublicKey)
	return &k, nil
}

// PublicKey returns the public key as minisign's one-line base64 form
// (what `minisign -P` takes and what mirrors pin).
func (k *Key) PublicKey() string { return k.pub.String() }

// PublicKeyText returns the public key file text (`minisign -p FILE`).
func (k *Key) PublicKeyText() []byte {
	b, _ := k.pub.MarshalText()
	return append(b, '\n')
}

// Sign signs manifest bytes. The trusted comment, which minisign prints
// and checks, names the release and the manifest's SHA-256.
func (k *Key) Sign(m *Manifest, manifest []byte) []byte {
	trusted := fmt.Sprintf("timestamp:%d\tfile:%s\trelease:%s\tsha256:%s",
		m.Created.Unix(), ManifestName, m.Name, Digest(manifest))
	untrusted := "signature from trove archive key " + strings.ToUpper(strconv.FormatUint(k.pub.ID(), 16))
	return minisign.SignWithComments(k.priv, manifest, trusted, untrusted)
}

// ParsePublicKey reads a public key given as the base64 line or as the
// content of a minisign .pub file.
func ParsePublicKey(s string) (minisign.PublicKey, error) {
	var pk minisign.PublicKey
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "\n") {
		s = "untrusted comment: key\n" + s
	}
	if err := pk.UnmarshalText([]byte(s)); err != nil {
		return pk, archive.Errorf(archive.EInvalid, "public key: %v", err)
	}
	return pk, nil
}

// ErrBadSignature is returned when a manifest's signature does not verify
// against the pinned key.
var ErrBadSignature = errors.New("signature does not verify against the archive key")

// Verify checks manifest bytes against a minisign signature and a public
// key (base64 line or .pub text), then parses the manifest.
func Verify(pubKey string, manifest, sig []byte) (*Manifest, error) {
	pk, err := ParsePublicKey(pubKey)
	if err != nil {
		return nil, err
	}
	if !minisign.Verify(pk, manifest, sig) {
		return nil, ErrBadSignature
	}
	return Parse(manifest)
}

func writeFileSync(name string, b []byte, mode os.FileMode) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("key: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("key: %w", err)
	}
	return nil
}
