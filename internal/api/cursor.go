package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"math"

	"github.com/trove-archive/trove/internal/archive"
)

// A cursor is an opaque page token: base64url (RFC 4648 §5, no padding) of
//
//	version (1 byte) | offset (8 bytes, big endian) | scope hash (8) | check (4)
//
// The scope hash is the first 8 bytes of the SHA-256 of the request the
// cursor belongs to (route, query, dataset, sort, item...), so that a
// cursor given to another request is refused; the check is the first 4
// bytes of the SHA-256 of what precedes it, so that an altered cursor is
// refused too. A cursor only saves the client from counting: it grants
// nothing, so it needs no secret key and survives restarts.
const (
	cursorVersion = 1
	cursorLen     = 1 + 8 + 8 + 4
)

var errCursor = archive.Errorf(archive.EInvalid, "cursor is not valid for this request: start again without it")

// scope names the request a cursor belongs to, from its distinguishing parts.
func scope(parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return h.Sum(nil)[:8]
}

func encodeCursor(sc []byte, offset int) string {
	b := make([]byte, 0, cursorLen)
	b = append(b, cursorVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(offset))
	b = append(b, sc[:8]...)
	sum := sha256.Sum256(b)
	b = append(b, sum[:4]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(sc []byte, s string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != cursorLen || b[0] != cursorVersion {
		return 0, errCursor
	}
	sum := sha256.Sum256(b[:cursorLen-4])
	if !bytes.Equal(sum[:4], b[cursorLen-4:]) || !bytes.Equal(b[9:17], sc[:8]) {
		return 0, errCursor
	}
	off := binary.BigEndian.Uint64(b[1:9])
	if off > math.MaxInt32 {
		return 0, errCursor
	}
	return int(off), nil
}
