package outlook

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// corpusSeeds returns the .msg files of the shared corpus (none when it is
// absent), to seed the fuzzers at test time.
func corpusSeeds(tb testing.TB) [][]byte {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "corpus", "tika", "outlook", "*.msg"))
	more, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "corpus", "office", "mscfb", "*"))
	var out [][]byte
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// rtfSeeds returns the compressed RTF bodies of the corpus messages.
func rtfSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, b := range corpusSeeds(tb) {
		f, err := openCFB(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			continue
		}
		if v, ok := openStore(f, 0, hdrTop, 0, 1<<20).value(pidRTFCompressed, ptBinary); ok {
			out = append(out, v)
		}
	}
	return out
}

// walkCFB opens a compound file and reads every stream of every storage.
func walkCFB(b []byte) {
	f, err := openCFB(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return
	}
	seen := map[uint32]bool{}
	var walk func(id uint32, depth int)
	walk = func(id uint32, depth int) {
		if depth > 32 || seen[id] {
			return
		}
		seen[id] = true
		for _, c := range f.children(id) {
			switch f.dir[c].typ {
			case cfbTypeStorage:
				walk(c, depth+1)
			case cfbTypeStream:
				if r, _, err := f.open(c); err == nil {
					_, _ = io.Copy(io.Discard, io.LimitReader(r, 1<<24))
				}
			}
		}
	}
	walk(0, 0)
}

func FuzzCFB(f *testing.F) {
	for _, b := range corpusSeeds(f) {
		f.Add(b)
	}
	f.Add([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
	f.Fuzz(func(t *testing.T, b []byte) { walkCFB(b) })
}

// FuzzMSG reads a message and writes it as RFC 822, as the extractor does
// for an embedded message.
func FuzzMSG(f *testing.F) {
	for _, b := range corpusSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cf, err := openCFB(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		st := openStore(cf, 0, hdrTop, 0, 1<<20)
		_ = readMessage(st)
		_ = writeRFC822(io.Discard, st, 1)
	})
}

func FuzzLZFu(f *testing.F) {
	for _, b := range rtfSeeds(f) {
		f.Add(b)
	}
	f.Add([]byte("\x10\x00\x00\x00\x00\x10\x00\x00LZFu\x00\x00\x00\x00\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _ := decompressRTF(b, 1<<20)
		if len(out) > 1<<20 {
			t.Fatalf("%d bytes past the limit", len(out))
		}
		_ = deencapsulate(out)
	})
}

func FuzzDeencapsulate(f *testing.F) {
	for _, b := range rtfSeeds(f) {
		if raw, err := decompressRTF(b, 1<<20); err == nil {
			f.Add(raw)
		}
	}
	f.Add([]byte(`{\rtf1\fromhtml1{\*\htmltag64 <p>}\htmlrtf x\htmlrtf0 text\'e9\u8364?}`))
	f.Fuzz(func(t *testing.T, b []byte) { _ = deencapsulate(b) })
}

// TestRTFBodies checks the compressed RTF bodies of the corpus: the HTML
// or text they encapsulate, or their own text (Tika asserts that
// testMSG_att_msg.msg, testMSG_forwarded.msg and testMSG_Appointment.msg
// encapsulate HTML).
func TestRTFBodies(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "corpus", "tika", "outlook")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared corpus not available (%v): skipping", err)
	}
	tests := []struct {
		file, encap, text string
	}{
		{"testMSG_att_msg.msg", "html", "Test email with 1 msg attachment, 1 pdf"},
		{"testMSG_forwarded.msg", "html", "Original Body"},
		{"testMSG_Appointment.msg", "html", "This is a meeting to discuss jumping"},
		{"testMSG.msg", "text", "working on making the type detection code more\nmodular"},
		{"testMSG_chinese.msg", "", "\u9673\u60E0\u73CD"},
		{"testMSG_Contact.msg", "", "Saw him jump over a lazy dog"},
		{"test-outlook.msg", "html", "La réponse à vos attentes"},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		cf, err := openCFB(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		st := openStore(cf, 0, hdrTop, 0, 1<<20)
		// Drop the other bodies so that bodyText falls back to the RTF.
		for _, id := range []uint16{pidBody, pidHTML} {
			for _, typ := range []uint16{ptUnicode, ptString8, ptBinary} {
				delete(st.kids, substg(id, typ))
			}
		}
		raw, err := decompressRTF(rtfValue(t, st), 1<<20)
		if err != nil {
			t.Errorf("%s: decompress: %v", tt.file, err)
		}
		if got := encapsulation(raw); got != tt.encap {
			t.Errorf("%s: encapsulates %q, want %q", tt.file, got, tt.encap)
		}
		text := bodyText(st)
		if tt.encap == "text" {
			text = string(deencapsulate(raw))
		}
		if !bytes.Contains([]byte(text), []byte(tt.text)) {
			t.Errorf("%s: RTF body lacks %q:\n%.1000s", tt.file, tt.text, text)
		}
	}
}

func rtfValue(t *testing.T, s *store) []byte {
	v, ok := s.value(pidRTFCompressed, ptBinary)
	if !ok {
		t.Fatal("no compressed RTF")
	}
	return v
}
