package email_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/email"
)

// addCorpusSeeds adds up to max corpus files (of at most 32 KiB) matching
// the globs, when the shared corpus is present.
func addCorpusSeeds(f *testing.F, max int, globs ...string) {
	root := corpus.Root()
	if root == "" {
		return
	}
	n := 0
	for _, g := range globs {
		paths, _ := filepath.Glob(filepath.Join(root, "corpus", g))
		for _, p := range paths {
			if n == max {
				return
			}
			b, err := os.ReadFile(p)
			if err != nil || len(b) > 32<<10 {
				continue
			}
			f.Add(b)
			n++
		}
	}
}

var emlSeeds = []string{
	"Subject: =?utf-8?B?w6k=?= =?iso-8859-1?q?caf=E9?=\nFrom: \"=?utf-8?q?a?=\" <a@b>, (c) d@e\nDate: 16 May 2016 at 09:30:32  GMT+1\n\nbody\n",
	"From x Thu Jan  1 00:00:00 1970\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: quoted-printable\n\n=F0=D2=C9\n--b\nContent-Type: application/octet-stream; name*0*=utf-8''%E2%82; name*1*=%AC\nContent-Transfer-Encoding: base64\n\nAAEC!!\n--b\nContent-Type: message/rfc822\n\nSubject: inner\n\nx\n--b--\n",
	"Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/html\n\n<p>x</p>\n--a\nContent-Type: multipart/related; boundary=r\n\n--r\nContent-Type: text/plain\n\ny\n--a--\n",
	"Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\n--d\nContent-Type: multipart/mixed; boundary=d\n\n--d--\n",
}

func FuzzEML(f *testing.F) {
	for _, s := range emlSeeds {
		f.Add([]byte(s))
	}
	addCorpusSeeds(f, 24, "tika/mail/testRFC822*", "tika/mail/*.eml", "dkim/*.eml",
		"spamassassin/eml/easy-ham-1/011*.eml", "spamassassin/eml/spam-1/003*.eml")
	in := filepath.Join(f.TempDir(), "in") // calls in one process run one at a time
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := runAt(t, email.NewEML(), in, data, false)
		if err != nil {
			if errors.Is(err, extract.ErrTooDeep) {
				return
			}
			t.Fatalf("extract: %v", err)
		}
		if s.meta.Email == nil {
			t.Fatal("no Email meta")
		}
		if !utf8.ValidString(s.text.String()) {
			t.Errorf("text is not UTF-8: %q", s.text.String())
		}
		if !utf8.ValidString(s.meta.Email.Subject) || !utf8.ValidString(s.meta.Email.From) {
			t.Errorf("header not UTF-8: %+v", s.meta.Email)
		}
		if n := len(s.children) + len(s.failed); n != s.expected {
			t.Errorf("Expect(%d), but %d children and %d failures", s.expected, len(s.children), len(s.failed))
		}
		for _, c := range s.children {
			if c.Info.Name == "" || c.Info.MIME == "" {
				t.Errorf("child without name or type: %+v", c.Info)
			}
		}
	})
}

func FuzzMbox(f *testing.F) {
	f.Add([]byte("From a Mon Jan  1 00:00:00 2001\nMessage-ID: <x@y>\n\nbody\n>From q\n\nFrom b Mon Jan  1 00:00:00 2001\n\nsecond\n"))
	f.Add([]byte("no envelope\n\nFrom \n\nFrom \r\n>>From \n"))
	addCorpusSeeds(f, 6, "tika/mail/*.mbox", "dkim/*.mbox")
	in := filepath.Join(f.TempDir(), "in")
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := runAt(t, email.Mbox{MaxMessageSize: 256}, in, data, false)
		if err != nil {
			t.Fatalf("extract: %v", err)
		}
		if n := len(s.children) + len(s.failed); n != s.expected {
			t.Errorf("Expect(%d), but %d children and %d failures", s.expected, len(s.children), len(s.failed))
		}
		total := 0
		for _, c := range s.children {
			total += len(c.Data)
			if len(c.Data) > 256 {
				t.Errorf("child %s of %d bytes, over the limit", c.Info.Name, len(c.Data))
			}
		}
		if total > len(data) {
			t.Errorf("children hold %d bytes, input %d", total, len(data))
		}
		if s.text.Len() != 0 {
			t.Errorf("mbox wrote text")
		}
	})
}
