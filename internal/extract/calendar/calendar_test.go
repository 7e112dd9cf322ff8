package calendar_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/calendar"
)

type sink struct {
	bytes.Buffer
	meta archive.Meta
}

func (s *sink) Meta() *archive.Meta { return &s.meta }
func (s *sink) Expect(int)          {}
func (s *sink) Child(_ context.Context, _ extract.ChildInfo, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (s *sink) ChildFailed(extract.ChildInfo, error) {}
func (s *sink) Passwords() []string                  { return nil }

func extractFile(t *testing.T, path string) (*sink, error) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	typ := extract.Sniff(b, filepath.Base(path))
	s := &sink{}
	err = calendar.New().Extract(context.Background(), extract.Input{Name: filepath.Base(path), Path: path, Type: typ}, s)
	return s, err
}

func contains(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
}

func TestICalendar(t *testing.T) {
	s, err := extractFile(t, "testdata/meetings.ics")
	if err != nil {
		t.Fatal(err)
	}
	text := s.String()
	contains(t, text,
		"Event: Quarterly review, budget; staffing\n",
		"When: 2024-03-15 09:00 UTC\n", // 10:00 in Berlin
		"Where: Room 4\n  Building B\n",
		"Description: Agenda: figures for the Zürich office and the offshore accounts. Bring the ledger.\n",
		"Organizer: Doe, Jane <jane@example.org>\n",
		"Attendee: Bob Roe <bob@example.org>\n",
		"Attendee: carol@example.org\n",
		"Event: New year party\nWhen: 2024-01-02\nRepeats: FREQ=YEARLY\n\n",
		"Task: Shred the drafts\nUntil: 2024-04-01 17:00 UTC\n")
	if s.meta.Title != "Board meetings" {
		t.Errorf("title %q", s.meta.Title)
	}
	if want := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC); !s.meta.Created.Equal(want) {
		t.Errorf("created %v, want the earliest start %v", s.meta.Created, want)
	}
}

func TestVCard(t *testing.T) {
	s, err := extractFile(t, "testdata/contacts.vcf")
	if err != nil {
		t.Fatal(err)
	}
	text := s.String()
	contains(t, text,
		"Name: Jane Doe\n", "Full name: Dr. Jane Q. Doe\n", "Organization: Example Corp, Finance\n", "Title: Treasurer\n",
		"Email (work): jane@example.org\n", "Phone (cell): +1 555 0100\n",
		"Address (work): 1 Main St, Springfield, IL, 62701, USA\n",
		"Note: Met at the gala, 2019.\n  Knows about the transfers.\n",
		"Name: Jürgen Müller\n", "Phone (work): +49 30 1234\n", "Email: juergen@example.de\n",
		"Note: Line one\n  Line two\n")
	if s.meta.Title != "" {
		t.Errorf("two contacts: title %q, want none", s.meta.Title)
	}
	if s.meta.Extra["contacts"] != "2" {
		t.Errorf("extra %v", s.meta.Extra)
	}
}

// TestCorpus: Tika's calendar files (no text assertions there: these are
// what the files say).
func TestCorpus(t *testing.T) {
	s, err := extractFile(t, corpus.File(t, "tika/text/testICalendar.ics"))
	if err != nil {
		t.Fatal(err)
	}
	contains(t, s.String(), "Event: Susi Hyldgaard - Festival International de Jazz de Montréal", "Where: Banque Nationale Stage ()",
		"When: 2001-07-01 21:30 UTC", "She’s", "Björk", "http://www.montrealjazzfest.com/program/concert.aspx?id=3579")
	if !strings.HasPrefix(s.meta.Title, "Susi Hyldgaard") || s.meta.Created.Year() != 2001 {
		t.Errorf("meta %+v", s.meta)
	}
	s, err = extractFile(t, corpus.File(t, "tika/text/testVCalendar.vcs"))
	if err != nil {
		t.Fatal(err)
	}
	contains(t, s.String(), "Event: Battleme, My Goodness, the Ax", "Where: Mississippi Studios (3939 N Mississippi Ave., Portland, OR)", "When: 2012-12-01 21:00")
}

func TestNotCalendar(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.ics")
	os.WriteFile(p, []byte("just some text\n"), 0o600)
	s := &sink{}
	err := calendar.New().Extract(context.Background(), extract.Input{Path: p}, s)
	if !errors.Is(err, extract.ErrCorrupt) {
		t.Errorf("err = %v, want corrupt", err)
	}
}

func TestSniff(t *testing.T) {
	for name, want := range map[string]string{
		"testdata/meetings.ics": extract.MIMECalendar,
		"testdata/contacts.vcf": extract.MIMEVCard,
	} {
		b, _ := os.ReadFile(name)
		if got := extract.Sniff(b, "noext"); got.MIME != want || got.Kind != archive.KindText {
			t.Errorf("%s sniffed %+v", name, got)
		}
	}
}
