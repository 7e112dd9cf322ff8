package container

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/trove-archive/trove/internal/extract"
)

// Zip encryption: traditional PKWARE encryption (APPNOTE 6.1, "ZipCrypto")
// and WinZip AES (AE-1 and AE-2, https://www.winzip.com/en/support/aes-encryption/).
// PKWARE's strong encryption (flag bit 6) is not supported.

// passwordList is the sink's passwords, the one that worked last first.
type passwordList struct {
	list []string
	good string
	ok   bool
}

func (p *passwordList) order() []string {
	if !p.ok {
		return p.list
	}
	out := []string{p.good}
	for _, s := range p.list {
		if s != p.good {
			out = append(out, s)
		}
	}
	return out
}

func (p *passwordList) worked(s string) { p.good, p.ok = s, true }

var errNoPassword = fmt.Errorf("%w (zip member)", extract.ErrEncrypted)

// openEncrypted finds the password that opens an encrypted member and
// returns its checked content.
func openEncrypted(m *zipMember, ae *aesField, method uint16, pw *passwordList, lim Limits) (io.ReadCloser, error) {
	// Both schemes have a quick password check (one byte for ZipCrypto,
	// two for AES); keep the passwords that pass it.
	var pass []string
	for _, p := range pw.order() {
		ok, err := checkZipPassword(m, ae, p)
		if err != nil {
			return nil, err
		}
		if ok {
			pass = append(pass, p)
		}
	}
	switch len(pass) {
	case 0:
		return nil, errNoPassword
	case 1:
		pw.worked(pass[0])
		return decryptZipMember(m, ae, method, pass[0], lim)
	}
	// Several passed the quick check (it lets 1 in 256 wrong passwords
	// through for ZipCrypto): decode the member to the end with each.
	for _, p := range pass {
		rc, err := decryptZipMember(m, ae, method, p, lim)
		if err != nil {
			continue
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err == nil {
			pw.worked(p)
			return decryptZipMember(m, ae, method, p, lim)
		}
	}
	return nil, errNoPassword
}

// checkZipPassword runs the quick password check of the member's scheme.
func checkZipPassword(m *zipMember, ae *aesField, password string) (bool, error) {
	raw, err := m.raw()
	if err != nil {
		return false, err
	}
	if ae != nil {
		_, ok, err := ae.keys(raw, password)
		return ok, err
	}
	_, ok, err := zipCryptoHeader(m, raw, password)
	return ok, err
}

// decryptZipMember returns the checked content of an encrypted member.
func decryptZipMember(m *zipMember, ae *aesField, method uint16, password string, lim Limits) (io.ReadCloser, error) {
	raw, err := m.raw()
	if err != nil {
		return nil, err
	}
	if ae != nil {
		k, ok, err := ae.keys(raw, password)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errNoPassword
		}
		r, err := ae.reader(m, raw, k)
		if err != nil {
			return nil, err
		}
		// AE-2 stores no CRC; the authentication code stands for it.
		return newZipContent(m, r, method, ae.version == 1, lim)
	}
	z, ok, err := zipCryptoHeader(m, raw, password)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoPassword
	}
	return newZipContent(m, &zipCryptoReader{r: raw, z: z}, method, true, lim)
}

// zipCrypto is the state of the traditional PKWARE stream cipher.
type zipCrypto struct{ k0, k1, k2 uint32 }

func newZipCrypto(password string) *zipCrypto {
	z := &zipCrypto{0x12345678, 0x23456789, 0x34567890}
	for i := 0; i < len(password); i++ {
		z.update(password[i])
	}
	return z
}

func crcByte(crc uint32, b byte) uint32 {
	return crc32.IEEETable[byte(crc)^b] ^ crc>>8
}

func (z *zipCrypto) update(b byte) {
	z.k0 = crcByte(z.k0, b)
	z.k1 = (z.k1+z.k0&0xff)*134775813 + 1
	z.k2 = crcByte(z.k2, byte(z.k1>>24))
}

func (z *zipCrypto) decrypt(p []byte) {
	for i, c := range p {
		t := z.k2 | 2
		c ^= byte((t * (t ^ 1)) >> 8)
		z.update(c)
		p[i] = c
	}
}

// zipCryptoHeader decrypts the 12-byte encryption header and checks its
// last byte: the high byte of the CRC, or of the DOS time when sizes and
// CRC come after the data.
func zipCryptoHeader(m *zipMember, raw io.Reader, password string) (*zipCrypto, bool, error) {
	var h [12]byte
	if _, err := io.ReadFull(raw, h[:]); err != nil {
		return nil, false, fmt.Errorf("encryption header: %w", err)
	}
	z := newZipCrypto(password)
	z.decrypt(h[:])
	ok := h[11] == byte(m.crc>>24) || (m.flags&0x8 != 0 && h[11] == byte(m.dosTime>>8))
	return z, ok, nil
}

type zipCryptoReader struct {
	r io.Reader
	z *zipCrypto
}

func (r *zipCryptoReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.z.decrypt(p[:n])
	return n, err
}

// aesField is the WinZip AES extra field (0x9901).
type aesField struct {
	version  uint16 // 1: AE-1 (CRC kept), 2: AE-2 (CRC 0)
	keyLen   int    // 16, 24 or 32
	method   uint16 // the compression method underneath
	saltLen  int
	overhead int64 // salt, verifier and authentication code
}

func parseAESField(m *zipMember) (*aesField, error) {
	b, ok := zipExtra(m.extra, 0x9901)
	if !ok || len(b) < 7 || b[2] != 'A' || b[3] != 'E' {
		return nil, fmt.Errorf("%w: method 99 without a WinZip AES field", extract.ErrCorrupt)
	}
	a := &aesField{
		version: binary.LittleEndian.Uint16(b),
		method:  binary.LittleEndian.Uint16(b[5:]),
	}
	switch b[4] {
	case 1, 2, 3:
		a.keyLen = 8 + 8*int(b[4])
	default:
		return nil, fmt.Errorf("%w: AES strength %d", extract.ErrUnsupported, b[4])
	}
	a.saltLen = a.keyLen / 2
	a.overhead = int64(a.saltLen) + 2 + 10
	if m.csize < uint64(a.overhead) {
		return nil, fmt.Errorf("%w: AES member shorter than its header", extract.ErrCorrupt)
	}
	return a, nil
}

// keys reads salt and verifier and derives the keys for password; ok
// reports whether the verifier matched.
func (a *aesField) keys(raw io.Reader, password string) (key []byte, ok bool, err error) {
	head := make([]byte, a.saltLen+2)
	if _, err := io.ReadFull(raw, head); err != nil {
		return nil, false, fmt.Errorf("aes header: %w", err)
	}
	key, err = pbkdf2.Key(sha1.New, password, head[:a.saltLen], 1000, 2*a.keyLen+2)
	if err != nil {
		return nil, false, err
	}
	return key, subtle.ConstantTimeCompare(key[2*a.keyLen:], head[a.saltLen:]) == 1, nil
}

func (a *aesField) reader(m *zipMember, raw io.Reader, key []byte) (io.Reader, error) {
	block, err := aes.NewCipher(key[:a.keyLen])
	if err != nil {
		return nil, err
	}
	n := int64(m.csize) - a.overhead
	return &aesReader{
		data:  io.LimitReader(raw, n),
		raw:   raw,
		block: block,
		mac:   hmac.New(sha1.New, key[a.keyLen:2*a.keyLen]),
		pos:   aes.BlockSize,
	}, nil
}

var errAESAuth = fmt.Errorf("%w: AES authentication code mismatch", extract.ErrCorrupt)

// aesReader decrypts AES in WinZip's CTR mode (a little-endian counter
// from 1) and checks the HMAC-SHA1 authentication code at the end.
type aesReader struct {
	data  io.Reader // the encrypted data
	raw   io.Reader // then the 10-byte authentication code
	block cipher.Block
	mac   hash.Hash
	ctr   uint64
	ks    [aes.BlockSize]byte
	pos   int
	err   error
}

func (r *aesReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.data.Read(p)
	r.mac.Write(p[:n])
	for i := range p[:n] {
		if r.pos == aes.BlockSize {
			r.ctr++
			var cb [aes.BlockSize]byte
			binary.LittleEndian.PutUint64(cb[:], r.ctr)
			r.block.Encrypt(r.ks[:], cb[:])
			r.pos = 0
		}
		p[i] ^= r.ks[r.pos]
		r.pos++
	}
	if errors.Is(err, io.EOF) {
		var code [10]byte
		if _, err := io.ReadFull(r.raw, code[:]); err != nil {
			r.err = fmt.Errorf("aes authentication code: %w", err)
		} else if !hmac.Equal(code[:], r.mac.Sum(nil)[:10]) {
			r.err = errAESAuth
		} else {
			r.err = io.EOF
		}
		return n, r.err
	}
	if err != nil {
		r.err = err
	}
	return n, err
}
