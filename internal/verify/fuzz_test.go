package verify_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/verify"
)

// FuzzBuild feeds leaked metadata (creator and producer strings, any
// dates, paths) through the report: it must not panic, its JSON must
// encode, its chart must stay XML, and its text must carry no control
// characters.
func FuzzBuild(f *testing.F) {
	for _, it := range leak() {
		f.Add(it.Path, it.Meta.Creator, it.Meta.Producer, it.Meta.Created.Unix(), it.Meta.Modified.Unix(), it.FileTime.Unix())
	}
	f.Add("a\x1b[31m.pdf", "Microsoft® Word 2010", "Acrobat Distiller 99", int64(-1<<40), int64(1<<40), int64(0))
	f.Fuzz(func(t *testing.T, path, creator, producer string, created, modified, file int64) {
		it := &archive.Item{ID: 1, Path: path, Ext: "pdf", ExtLies: true, Kind: archive.KindPDF, MIME: "application/pdf", Blob: blob(1),
			FileTime: time.Unix(file, 0), Meta: archive.Meta{Creator: creator, Producer: producer, Created: time.Unix(created, 0), Modified: time.Unix(modified, 0)}}
		r, err := verify.Build(t.Context(), &memSource{items: []*archive.Item{it, it}}, archive.Admin(), &archive.Dataset{ID: 1, Slug: "x"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
		d := xml.NewDecoder(strings.NewReader(verify.Chart(r.Timeline)))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
		var b bytes.Buffer
		if err := r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		if i := bytes.IndexFunc(b.Bytes(), func(r rune) bool { return r < 0x20 && r != '\n' }); i >= 0 {
			t.Fatalf("control character in text at %d", i)
		}
	})
}
