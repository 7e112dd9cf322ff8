package table

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDBF feeds arbitrary bytes to the header parser and the record
// writer: no panic, no unbounded output.
func FuzzDBF(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "shared", "corpus", "tika", "otherdocs", "testDBF.dbf")); err == nil {
		f.Add(b)
	}
	hdr := []byte("\x30\x7c\x03\x0f\x02\x00\x00\x00\x61\x00\x0e\x00" + string(make([]byte, 20)) +
		"NAME\x00\x00\x00\x00\x00\x00\x00C\x00\x00\x00\x00\x05\x00\x00" + string(make([]byte, 13)) +
		"N\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00I\x00\x00\x00\x00\x04\x00\x00" + string(make([]byte, 13)) +
		"_NullFlags\x000\x00\x00\x00\x00\x01\x00\x01" + string(make([]byte, 13)) + "\x0d")
	f.Add(append(hdr, []byte(" hello\x01\x00\x00\x00\x00*world\xff\xff\xff\xff\x00")...))
	f.Add([]byte{0x03, 124, 1, 1, 255, 255, 255, 255, 33, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := readDBF(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		_ = tb.versionName()
		var out bytes.Buffer
		_ = tb.writeCSV(context.Background(), &out, 1000)
		if int64(out.Len()) > 64*int64(len(b))+1<<20 {
			t.Fatalf("%d bytes of CSV from %d bytes", out.Len(), len(b))
		}
	})
}

// FuzzCutWriter checks the writer never passes its limits and cuts at a
// record boundary.
func FuzzCutWriter(f *testing.F) {
	f.Add([]byte("a,b\n1,\"x\ny\"\n2,3\n"), int64(2), int64(10))
	f.Fuzz(func(t *testing.T, b []byte, rows, max int64) {
		if rows < 0 || max < 0 {
			return
		}
		var out bytes.Buffer
		w := &cutWriter{w: &out, maxRecords: rows, maxBytes: max}
		for len(b) > 0 {
			n := min(len(b), 3)
			if _, err := w.Write(b[:n]); err != nil {
				break
			}
			b = b[n:]
		}
		if max > 0 && int64(out.Len()) > max || w.boundary > int64(out.Len()) {
			t.Fatalf("wrote %d, max %d, boundary %d", out.Len(), max, w.boundary)
		}
	})
}
