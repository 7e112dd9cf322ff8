package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// BlobID names a blob by the SHA-256 of its content.
type BlobID [sha256.Size]byte

// Hash returns the BlobID of b.
func Hash(b []byte) BlobID { return BlobID(sha256.Sum256(b)) }

// String returns the lowercase hex form.
func (id BlobID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero value (no blob).
func (id BlobID) IsZero() bool { return id == BlobID{} }

// ParseBlobID parses the 64-character hex form of a BlobID.
func ParseBlobID(s string) (BlobID, error) {
	var id BlobID
	if len(s) != 2*len(id) {
		return id, Errorf(EInvalid, "blob id %q: want %d hex characters", s, 2*len(id))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, Errorf(EInvalid, "blob id %q: not hex", s)
	}
	return id, nil
}

// MarshalText implements encoding.TextMarshaler.
func (id BlobID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *BlobID) UnmarshalText(b []byte) error {
	v, err := ParseBlobID(string(b))
	if err != nil {
		return fmt.Errorf("unmarshal blob id: %w", err)
	}
	*id = v
	return nil
}
