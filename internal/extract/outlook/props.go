package outlook

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// The property storages of a .msg file (MS-OXMSG): the message itself,
// each recipient (__recip_version1.0_#N), each attachment
// (__attach_version1.0_#N) and each embedded message (the attachment's
// __substg1.0_3701000D storage). Fixed-size values are in the storage's
// __properties_version1.0 stream; strings and binary values each have a
// stream __substg1.0_IIIITTTT (property ID, type).

// Property types.
const (
	ptInt32   = 0x0003
	ptBool    = 0x000B
	ptObject  = 0x000D
	ptString8 = 0x001E
	ptUnicode = 0x001F
	ptSysTime = 0x0040
	ptBinary  = 0x0102
)

// Property IDs used here.
const (
	pidMessageClass          = 0x001A
	pidSubject               = 0x0037
	pidClientSubmitTime      = 0x0039
	pidSentRepresentingName  = 0x0042
	pidSentRepresentingType  = 0x0064
	pidSentRepresentingAddr  = 0x0065
	pidTransportHeaders      = 0x007D
	pidRecipientType         = 0x0C15
	pidSenderName            = 0x0C1A
	pidSenderAddrType        = 0x0C1E
	pidSenderAddr            = 0x0C1F
	pidDeliveryTime          = 0x0E06
	pidBody                  = 0x1000
	pidRTFCompressed         = 0x1009
	pidHTML                  = 0x1013
	pidInternetMessageID     = 0x1035
	pidInternetReferences    = 0x1039
	pidInReplyTo             = 0x1042
	pidDisplayName           = 0x3001
	pidAddrType              = 0x3002
	pidEmailAddr             = 0x3003
	pidCreationTime          = 0x3007
	pidLastModificationTime  = 0x3008
	pidAttachData            = 0x3701
	pidAttachFilename        = 0x3704
	pidAttachMethod          = 0x3705
	pidAttachLongFilename    = 0x3707
	pidAttachPathname        = 0x3708
	pidAttachLongPathname    = 0x370D
	pidAttachMimeTag         = 0x370E
	pidSMTPAddr              = 0x39FE
	pidSenderSMTPAddr        = 0x5D01
	pidSentRepresentingSMTP  = 0x5D02
	pidInternetCodepage      = 0x3FDE
	pidMessageCodepage       = 0x3FFD
	pidRecipientDisplayName  = 0x5FF6
	pidAttachContentLocation = 0x3713
)

// Property stream header sizes.
const (
	hdrTop      = 32
	hdrEmbedded = 24
	hdrSub      = 8
)

// store is one property storage.
type store struct {
	f     *cfbFile
	id    uint32
	kids  map[string]uint32 // upper-case entry name -> entry
	fixed map[uint16]uint64 // fixed-size values by property ID
	cp    int               // code page of 8-bit strings
	max   int64             // largest value read into memory
	err   error             // the first value that could not be read
}

func openStore(f *cfbFile, id uint32, hdr int, cp int, max int64) *store {
	s := &store{f: f, id: id, kids: map[string]uint32{}, fixed: map[uint16]uint64{}, cp: cp, max: max}
	for _, k := range f.children(id) {
		name := strings.ToUpper(f.dir[k].name)
		if _, dup := s.kids[name]; !dup {
			s.kids[name] = k
		}
	}
	if k, ok := s.kids["__PROPERTIES_VERSION1.0"]; ok && f.dir[k].typ == cfbTypeStream {
		b, err := f.readAll(k, 16<<20)
		if err != nil {
			s.fail(err)
		}
		if len(b) >= hdr {
			b = b[hdr:]
		}
		for ; len(b) >= 16; b = b[16:] {
			tag := binary.LittleEndian.Uint32(b)
			switch uint16(tag) {
			case ptInt32, ptBool, ptSysTime, 0x0002, 0x0014:
				s.fixed[uint16(tag>>16)] = binary.LittleEndian.Uint64(b[8:])
			}
		}
	}
	if s.cp == 0 {
		s.cp = 1252
	}
	if v, ok := s.int32(pidInternetCodepage); ok && v > 0 {
		s.cp = int(v)
	} else if v, ok := s.int32(pidMessageCodepage); ok && v > 0 {
		s.cp = int(v)
	}
	return s
}

func (s *store) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

func substg(id, typ uint16) string { return fmt.Sprintf("__SUBSTG1.0_%04X%04X", id, typ) }

// child returns the entry named name (upper case) and whether it exists.
func (s *store) child(name string) (uint32, bool) {
	k, ok := s.kids[name]
	return k, ok
}

// value reads the stream of a variable-size property.
func (s *store) value(id, typ uint16) ([]byte, bool) {
	k, ok := s.kids[substg(id, typ)]
	if !ok || s.f.dir[k].typ != cfbTypeStream {
		return nil, false
	}
	b, err := s.f.readAll(k, s.max)
	if err != nil {
		s.fail(err)
		return nil, false
	}
	return b, true
}

// str returns a string property, Unicode or 8-bit.
func (s *store) str(id uint16) string {
	if b, ok := s.value(id, ptUnicode); ok {
		return cleanString(decode16(b))
	}
	if b, ok := s.value(id, ptString8); ok {
		return cleanString(decode8(trimNUL(b), s.cp))
	}
	return ""
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

func (s *store) int32(id uint16) (int32, bool) {
	v, ok := s.fixed[id]
	return int32(uint32(v)), ok
}

// time returns a PT_SYSTIME property (a FILETIME), zero when absent or
// out of range.
func (s *store) time(id uint16) time.Time {
	v, ok := s.fixed[id]
	if !ok || v == 0 || v >= 0x7FFFFFFFFFFFFFFF {
		return time.Time{}
	}
	t := time.Unix(int64(v/10_000_000)-11_644_473_600, int64(v%10_000_000)*100).UTC()
	if t.Year() >= 4500 { // Outlook's "no date"
		return time.Time{}
	}
	return t
}

// substorages lists the child storages whose names start with prefix
// (upper case), in name order.
func (s *store) substorages(prefix string) []uint32 {
	var names []string
	for n, k := range s.kids {
		if strings.HasPrefix(n, prefix) && s.f.dir[k].typ == cfbTypeStorage {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	out := make([]uint32, len(names))
	for i, n := range names {
		out[i] = s.kids[n]
	}
	return out
}

// reader opens the stream of a binary property for streaming.
func (s *store) reader(id, typ uint16) (io.Reader, bool, error) {
	k, ok := s.kids[substg(id, typ)]
	if !ok || s.f.dir[k].typ != cfbTypeStream {
		return nil, false, nil
	}
	r, _, err := s.f.open(k)
	return r, true, err
}
