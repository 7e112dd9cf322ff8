package text_test

import (
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"

	"github.com/trove-archive/trove/internal/extract/text"
)

// gen is an endless-looking input of n bytes: head, then body repeated,
// then tail; it samples the live heap as it is read.
type gen struct {
	head, body, tail []byte
	n, off           int64
	peak             uint64
	sample           []metrics.Sample
	next             int64
}

func newGen(n int64, head, body, tail string) *gen {
	return &gen{head: []byte(head), body: []byte(body), tail: []byte(tail), n: n,
		sample: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (g *gen) Read(p []byte) (int, error) {
	if g.off >= g.n+int64(len(g.head)+len(g.tail)) {
		return 0, io.EOF
	}
	if g.off >= g.next {
		metrics.Read(g.sample)
		g.peak = max(g.peak, g.sample[0].Value.Uint64())
		g.next = g.off + 4<<20
	}
	i := 0
	for i < len(p) {
		var src []byte
		switch {
		case g.off < int64(len(g.head)):
			src = g.head[g.off:]
		case g.off < int64(len(g.head))+g.n:
			k := (g.off - int64(len(g.head))) % int64(len(g.body))
			src = g.body[k:min(int64(len(g.body)), k+int64(len(g.head))+g.n-g.off)]
		case g.off < g.n+int64(len(g.head)+len(g.tail)):
			src = g.tail[g.off-int64(len(g.head))-g.n:]
		default:
			return i, nil
		}
		c := copy(p[i:], src)
		i += c
		g.off += int64(c)
	}
	return i, nil
}

// TestStreaming pushes large inputs, including ones built to make a
// parser hold everything (an unterminated CSV quote, one huge JSON string,
// one huge XML text), through in bounded memory: the live heap stays
// under 32 MiB while 48 MiB (8 MiB with -short or -race, or
// TROVE_STREAM_MB) go through.
func TestStreaming(t *testing.T) {
	t.Parallel()
	size := int64(48 << 20)
	if testing.Short() || raceEnabled {
		size = 8 << 20
	}
	if mb, err := strconv.Atoi(os.Getenv("TROVE_STREAM_MB")); err == nil {
		size = int64(mb) << 20
	}
	const limit = 32 << 20 // live heap while streaming
	tests := []struct {
		name             string
		head, body, tail string
		run              func(io.Writer, io.Reader) error
	}{
		{"text", "", "Some plain text, line after line, caf\xc3\xa9.\n", "",
			func(w io.Writer, r io.Reader) error { _, err := io.Copy(w, text.Decode(r)); return err }},
		{"text windows-1252", "caf\xe9\n", "Some plain text, line after line.\n", "",
			func(w io.Writer, r io.Reader) error { _, err := io.Copy(w, text.Decode(r)); return err }},
		{"csv", "id,name,note\n", "1,Alice,\"a note, with a comma\nand a line break\"\n", "",
			func(w io.Writer, r io.Reader) error { return text.WriteCSV(w, r, ',') }},
		{"csv open quote", "id,name\n1,\"", "never closed ", "\n",
			func(w io.Writer, r io.Reader) error { return text.WriteCSV(w, r, ',') }},
		{"json", "[", `{"id": 1, "name": "Alice", "tags": ["x", "y"]},`, `{}]`,
			func(w io.Writer, r io.Reader) error { return text.WriteJSON(w, r) }},
		{"json huge string", `{"a": "`, "xxxxxxxxxxxxxxxx", `"}`,
			func(w io.Writer, r io.Reader) error { return text.WriteJSON(w, r) }},
		{"xml", "<rows>", `<row id="1"><name>Alice</name><note>text &amp; more</note></row>`, "</rows>",
			func(w io.Writer, r io.Reader) error { return text.WriteXML(w, r) }},
		{"xml huge text", "<a>", "words words words ", "</a>",
			func(w io.Writer, r io.Reader) error { return text.WriteXML(w, r) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GC()
			g := newGen(size, tt.head, tt.body, tt.tail)
			var n countWriter
			if err := tt.run(&n, g); err != nil {
				t.Fatal(err)
			}
			if g.off != size+int64(len(tt.head)+len(tt.tail)) {
				t.Errorf("read %d of %d bytes", g.off, size)
			}
			if n < countWriter(size/4) {
				t.Errorf("wrote only %d bytes", n)
			}
			if g.peak > limit {
				t.Errorf("live heap reached %d MiB", g.peak>>20)
			}
			t.Logf("%d MiB in, %d MiB out, peak live heap %d MiB", size>>20, n>>20, g.peak>>20)
		})
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
