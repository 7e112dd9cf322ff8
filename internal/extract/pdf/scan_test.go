package pdf

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestScanWriterChunks: however pdftotext's output is split into writes,
// text pages pass through, textless pages are marked at their place, and
// their scrap of text is kept.
func TestScanWriterChunks(t *testing.T) {
	in := "text layer page one here\f 3 \f\f" + strings.Repeat(" ", 3*maxHeld) + "ab c" + strings.Repeat("\n", maxHeld) + "\fanother long page of text\fx"
	want := "text layer page one here\f<2:3>\f<3:>\f<4:ab c>\fanother long page of text\fx"
	for _, chunk := range []int{1, 2, 3, 7, 4096, len(in)} {
		t.Run(fmt.Sprint(chunk), func(t *testing.T) {
			var direct bytes.Buffer
			s := &scanWriter{w: &direct}
			defer s.close()
			for i := 0; i < len(in); i += chunk {
				if _, err := s.Write([]byte(in[i:min(i+chunk, len(in))])); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.flush(); err != nil {
				t.Fatal(err)
			}
			spool, err := os.ReadFile(s.spool.Name())
			if err != nil {
				t.Fatal(err)
			}
			got := direct.String()
			pos := int64(0)
			for _, m := range s.marks {
				got += string(spool[pos:m.off]) + fmt.Sprintf("<%d:%s>", m.page, strings.TrimSpace(string(m.held)))
				pos = m.off
				if len(m.held) > maxHeld+MinPageText*2 {
					t.Errorf("page %d: %d bytes held", m.page, len(m.held))
				}
			}
			got += string(spool[pos:])
			if got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

func TestPageRanges(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		want string
	}{
		{[]int{3, 7}, "3,7"},
		{[]int{1, 2, 3}, "1-3"},
		{[]int{1, 2, 3, 5, 7, 8}, "1-3,5,7-8"},
		{[]int{4}, "4"},
	} {
		if got := pageRanges(tc.in); got != tc.want {
			t.Errorf("pageRanges(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
