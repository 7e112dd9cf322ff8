package outlook_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/outlook"
)

// needReadpst skips the test when readpst is not installed, except under
// CI (env CI set), where its absence fails the test.
func needReadpst(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("readpst"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("readpst not installed (apt-get install pst-utils): %v", err)
		}
		t.Skipf("readpst not installed (apt-get install pst-utils): %v", err)
	}
}

// TestPSTCorpus checks the PSTs of go-pst and java-libpst: every item
// readpst counts is either emitted or recorded as failed, and what
// expected.json says about them that readpst can show.
func TestPSTCorpus(t *testing.T) {
	needReadpst(t)
	tests := []struct {
		file     string
		expected int
		children []string
		failed   []string
		contains map[string][]string // child name -> substrings
	}{
		{
			// note in expected.json: readpst sees "Personal Folders/Calendar" with 1 item
			file: "pst/go-pst/32-bit.pst", expected: 1,
			children: []string{"Personal Folders/Calendar/1.ics"},
		},
		{
			// java-libpst DistListTest / AppointmentTest: the contact
			// contact1@rjohnson.id.au, a recurring appointment, and a
			// distribution list that readpst does not convert (recorded).
			file: "pst/java-libpst/dist-list.pst", expected: 3,
			children: []string{"Personal Folders/Calendar/1.ics", "Personal Folders/Contacts/1.vcf"},
			failed:   []string{"Personal Folders/Contacts/skipped-1"},
			contains: map[string][]string{
				"Personal Folders/Calendar/1.ics": {"SUMMARY:Test appointment", "RRULE:FREQ=WEEKLY"},
				"Personal Folders/Contacts/1.vcf": {"EMAIL:contact1@rjohnson.id.au"},
			},
		},
		{
			// PasswordTest: the password is a flag, the content readable.
			file: "pst/java-libpst/passworded.pst", expected: 10,
			children: []string{"Personal Folders/Contacts/1.vcf"},
			failed: []string{
				"Personal Folders/Inbox/skipped-1", "Personal Folders/Inbox/skipped-2",
				"Personal Folders/Inbox/skipped-3", "Personal Folders/Inbox/skipped-4",
				"Personal Folders/Calendar/skipped-1", "Personal Folders/Calendar/skipped-2",
				"Personal Folders/Calendar/skipped-3", "Personal Folders/Calendar/skipped-4",
				"Personal Folders/Contacts/skipped-1",
			},
		},
	}
	ex := outlook.NewPST(outlook.Config{TempDir: t.TempDir()})
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			s, err := run(t, ex, corpus(t, tt.file), extract.MIMEPST)
			if err != nil {
				t.Fatalf("extract: %v", err)
			}
			if s.expected != tt.expected {
				t.Errorf("Expect(%d), want %d", s.expected, tt.expected)
			}
			if got := s.names(); !slices.Equal(got, tt.children) {
				t.Errorf("children %q, want %q", got, tt.children)
			}
			var failed []string
			for _, f := range s.failed {
				failed = append(failed, f.Info.Name)
			}
			if !slices.Equal(failed, tt.failed) {
				t.Errorf("failed %q, want %q", failed, tt.failed)
			}
			if n := len(s.children) + len(s.failed); n != s.expected {
				t.Errorf("%d children + failed, Expect(%d): items lost", n, s.expected)
			}
			for _, c := range s.children {
				for _, sub := range tt.contains[c.Info.Name] {
					if !strings.Contains(string(c.Data), sub) {
						t.Errorf("%s lacks %q", c.Info.Name, sub)
					}
				}
			}
		})
	}
}

// TestPSTTruncated: the first half of a real PST ends in a recorded
// error, in bounded time.
func TestPSTTruncated(t *testing.T) {
	needReadpst(t)
	data, err := os.ReadFile(corpus(t, "pst/java-libpst/dist-list.pst"))
	if err != nil {
		t.Fatal(err)
	}
	ex := outlook.NewPST(outlook.Config{TempDir: t.TempDir(), Timeout: 30 * time.Second})
	start := time.Now()
	s, err := runData(t, ex, data[:len(data)/2], extract.MIMEPST)
	if !errors.Is(err, extract.ErrCorrupt) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("err %v, want ErrCorrupt (truncated)", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("took %s", d)
	}
	t.Logf("%v; %d children, %d failed, Expect(%d)", err, len(s.children), len(s.failed), s.expected)
}

func TestPSTErrors(t *testing.T) {
	needReadpst(t)
	pst := corpus(t, "pst/java-libpst/dist-list.pst")
	t.Run("not a PST", func(t *testing.T) {
		_, err := runData(t, outlook.NewPST(outlook.Config{TempDir: t.TempDir()}), []byte("!BDN but not a real header"), extract.MIMEPST)
		if !errors.Is(err, extract.ErrCorrupt) {
			t.Fatalf("err %v, want ErrCorrupt", err)
		}
	})
	t.Run("output cap", func(t *testing.T) {
		ex := outlook.NewPST(outlook.Config{TempDir: t.TempDir(), MaxOutputBytes: 100, MinOutputBytes: 1})
		s, err := run(t, ex, pst, extract.MIMEPST)
		if !errors.Is(err, extract.ErrBomb) {
			t.Fatalf("err %v, want ErrBomb", err)
		}
		if len(s.children) > 0 {
			t.Errorf("emitted %d children past the cap", len(s.children))
		}
	})
	t.Run("context done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		fi, _ := os.Stat(pst)
		err := outlook.NewPST(outlook.Config{TempDir: t.TempDir()}).Extract(ctx,
			extract.Input{Path: pst, Size: fi.Size(), Type: extract.Type{MIME: extract.MIMEPST}}, &sink{tb: t})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		ex := outlook.NewPST(outlook.Config{TempDir: t.TempDir(), Timeout: time.Nanosecond})
		_, err := run(t, ex, pst, extract.MIMEPST)
		if extract.Reason(err) != "timeout" {
			t.Fatalf("err %v, want a timeout", err)
		}
	})
	t.Run("tool missing", func(t *testing.T) {
		ex := outlook.NewPST(outlook.Config{TempDir: t.TempDir(), ReadpstPath: "/nonexistent/readpst"})
		_, err := run(t, ex, pst, extract.MIMEPST)
		if !errors.Is(err, extract.ErrToolMissing) {
			t.Fatalf("err %v, want ErrToolMissing", err)
		}
	})
}

func TestCheck(t *testing.T) {
	needReadpst(t)
	st := outlook.Check(context.Background())
	if len(st) != 1 || st[0].Name != "readpst" || st[0].Err != nil || st[0].Version == "" || st[0].Install == "" {
		t.Fatalf("status %+v", st)
	}
	t.Logf("readpst %s at %s", st[0].Version, st[0].Path)
}

func TestNew(t *testing.T) {
	var mimes []string
	for _, e := range outlook.New(outlook.Config{}) {
		mimes = append(mimes, e.MIMEs()...)
	}
	if !slices.Equal(mimes, []string{extract.MIMEMSG, extract.MIMEPST}) {
		t.Fatalf("MIMEs %q", mimes)
	}
}
