package email_test

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/email"
)

type expectedEntry struct {
	Path  string `json:"path"`
	Note  string `json:"note"`
	Hints []struct {
		From   string `json:"from"`
		Assert string `json:"assert"`
	} `json:"peer_assertion_hints"`
}

func readExpected(tb testing.TB) []expectedEntry {
	tb.Helper()
	b, err := os.ReadFile(corpus.File(tb, "expected.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var es []expectedEntry
	if err := json.Unmarshal(b, &es); err != nil {
		tb.Fatal(err)
	}
	return es
}

var noteRE = regexp.MustCompile(`(?s)^our parse \(Python email\): subject (.*); content types (.*); charsets (.*); attachments (\d+)$`)

// attachmentExceptions lists the SpamAssassin messages where our child
// count differs from Python's, with why. Python's note counts the parts
// that have a file name or "Content-Disposition: attachment" (walking into
// enclosed messages); we count every child, recursively: also parts that
// are not text though unnamed, and enclosed messages themselves.
var attachmentExceptions = map[string]struct {
	got    int
	reason string
}{
	"spamassassin/eml/easy-ham-1/01149.a3ac28c8860e0beffc8ace0ff49b4532.eml": {1, "unnamed application/pgp-signature of multipart/signed: not text, so a child"},
	"spamassassin/eml/easy-ham-1/01170.ff1eb252e91b1481ee0a2887eb862c16.eml": {1, "unnamed application/pgp-signature of multipart/signed: not text, so a child"},
	"spamassassin/eml/easy-ham-1/01610.b932de9054af897c91eb2296e8be689c.eml": {1, "unnamed inline application/pgp-signature: not text, so a child"},
	"spamassassin/eml/easy-ham-2/00735.cc6d7c2f483b7368337750b02ce1f9a6.eml": {1, "unnamed application/pgp-signature of multipart/signed: not text, so a child"},
	"spamassassin/eml/easy-ham-1/01542.ed72bf2cd81ccd4c076533fb0af004e5.eml": {2, "the bounced message (inline message/rfc822 in multipart/report) is a child of its own besides the named S/MIME signature"},
}

// unrepr undoes Python's repr() of a str.
func unrepr(s string) (string, error) {
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') || s[len(s)-1] != s[0] {
		return "", fmt.Errorf("not a Python string literal: %s", s)
	}
	s = s[1 : len(s)-1]
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			if i+n >= len(s)+0 && i+n > len(s)-1 {
				return "", fmt.Errorf("short escape in %q", s)
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", err
			}
			b.WriteRune(rune(v))
			i += n
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

var (
	fullWordRE = regexp.MustCompile(`^=\?[^?\s]+\?[bBqQ]\?[^?]*\?=`)
	testWords  = mime.WordDecoder{CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
		e, err := htmlindex.Get(label)
		if err != nil {
			e, err = ianaindex.IANA.Encoding(label)
		}
		if err != nil || e == nil {
			return nil, fmt.Errorf("charset %q unknown", label)
		}
		return e.NewDecoder().Reader(r), nil
	}}
)

// subjectMatcher turns Python's raw subject (possibly cut at 80 characters,
// with U+FFFD for each 8-bit byte it could not decode) into a pattern for
// our decoded subject: its encoded words decoded with the standard library,
// white space collapsed. A word holding U+FFFD matches any text: we decode
// such bytes (in the charset the message declares, else windows-1252), and
// in a multi-byte charset ASCII bytes Python shows may be halves of a
// character.
func subjectMatcher(raw string) (*regexp.Regexp, string) {
	cut := utf8.RuneCountInString(raw) >= 80
	if cut {
		if i := strings.LastIndex(raw, "=?"); i >= 0 && !fullWordRE.MatchString(raw[i:]) {
			raw = raw[:i] // a word cut in the middle
		}
	}
	dec, err := testWords.DecodeHeader(raw)
	if err != nil {
		dec = raw
	}
	words := strings.Fields(dec)
	var parts []string
	for _, w := range words {
		if strings.ContainsRune(w, '\uFFFD') {
			parts = append(parts, ".+?")
		} else {
			parts = append(parts, regexp.QuoteMeta(w))
		}
	}
	pat := "^" + strings.Join(parts, " ")
	if !cut {
		pat += "$"
	}
	return regexp.MustCompile("(?s)" + pat), strings.Join(words, " ")
}

func TestSpamAssassinGolden(t *testing.T) {
	dir := corpus.Dir(t)
	var n, subjectsOK, countsOK, excepted int
	for _, e := range readExpected(t) {
		if !strings.HasPrefix(e.Path, "spamassassin/eml/") {
			continue
		}
		m := noteRE.FindStringSubmatch(e.Note)
		if m == nil {
			t.Errorf("%s: note not understood: %q", e.Path, e.Note)
			continue
		}
		n++
		s, err := runFile(t, email.NewEML(), filepath.Join(dir, e.Path), true)
		if err != nil {
			t.Errorf("%s: %v", e.Path, err)
			continue
		}
		if s.subErr != nil {
			t.Errorf("%s: enclosed message: %v", e.Path, s.subErr)
		}
		if s.meta.Email == nil {
			t.Errorf("%s: no Email meta", e.Path)
			continue
		}
		if got := len(s.children) + len(s.failed); got != s.expected {
			t.Errorf("%s: Expect(%d) but %d children", e.Path, s.expected, got)
		}
		if !utf8.ValidString(s.text.String()) {
			t.Errorf("%s: text is not UTF-8", e.Path)
		}

		raw, err := unrepr(m[1])
		if err != nil {
			t.Errorf("%s: %v", e.Path, err)
			continue
		}
		re, want := subjectMatcher(raw)
		got := strings.Join(strings.Fields(s.meta.Email.Subject), " ")
		if re.MatchString(got) {
			subjectsOK++
		} else {
			t.Errorf("%s: subject %q, Python %q", e.Path, got, want)
		}
		if s.meta.Title != s.meta.Email.Subject {
			t.Errorf("%s: Title %q != Subject %q", e.Path, s.meta.Title, s.meta.Email.Subject)
		}

		wantN, _ := strconv.Atoi(m[4])
		gotN := s.total()
		if ex, ok := attachmentExceptions[e.Path]; ok {
			excepted++
			if gotN != ex.got {
				t.Errorf("%s: %d children, documented exception says %d (Python %d: %s)", e.Path, gotN, ex.got, wantN, ex.reason)
			}
			continue
		}
		if gotN == wantN {
			countsOK++
		} else {
			t.Errorf("%s: %d children %q, Python counts %d attachments (%s)", e.Path, gotN, s.names(), wantN, m[2])
		}
	}
	if n != 475 {
		t.Errorf("%d SpamAssassin messages in expected.json, want 475", n)
	}
	t.Logf("SpamAssassin: %d messages; subjects match Python's: %d/%d; attachment counts match: %d/%d, plus %d documented exceptions",
		n, subjectsOK, n, countsOK, n-excepted, excepted)
}

func TestSpamAssassinMbox(t *testing.T) {
	p := corpus.File(t, "spamassassin/mbox/spamassassin-sample-150.mboxrd.mbox")
	s, err := runFile(t, email.NewMbox(), p, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.children) != 150 || s.expected != 150 || len(s.failed) != 0 {
		t.Fatalf("children %d, expected %d, failed %d; want 150", len(s.children), s.expected, len(s.failed))
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	quoted := regexp.MustCompile(`(?m)^>+From `).FindAll(raw, -1)
	var joined strings.Builder
	named := 0
	for i, c := range s.children {
		if c.Info.MIME != extract.MIMEEmail {
			t.Errorf("child %d: MIME %q", i, c.Info.MIME)
		}
		if strings.HasPrefix(c.Info.Name, "<") {
			named++
		} else if c.Info.Name != fmt.Sprintf("message-%d", i+1) {
			t.Errorf("child %d named %q", i, c.Info.Name)
		}
		if strings.HasPrefix(string(c.Data), "From ") {
			t.Errorf("child %d starts with its envelope line", i)
		}
		joined.Write(c.Data)
		joined.WriteByte('\n')
		sub, err := runData(t, email.NewEML(), c.Data, false)
		if err != nil {
			t.Errorf("child %d (%s): %v", i, c.Info.Name, err)
		} else if sub.meta.Email.MessageID != "" && sub.meta.Email.MessageID != c.Info.Name {
			t.Errorf("child %d named %q, Message-ID %q", i, c.Info.Name, sub.meta.Email.MessageID)
		}
	}
	unquoted := regexp.MustCompile(`(?m)^>+From `).FindAll([]byte(joined.String()), -1)
	if len(quoted) == 0 || len(unquoted) != countDeep(quoted) {
		t.Errorf("%d quoted From lines in the file, %d left quoted in the messages (want %d)", len(quoted), len(unquoted), countDeep(quoted))
	}
	t.Logf("mbox: %d messages, %d named by Message-ID, %d >From lines unquoted", len(s.children), named, len(quoted))
}

// countDeep counts quoted lines with more than one '>' (they stay quoted
// once unquoted).
func countDeep(lines [][]byte) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(string(l), ">>") {
			n++
		}
	}
	return n
}

func TestTikaMail(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "tika", "mail")
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	// every message parses
	parsed := 0
	for _, f := range files {
		base := filepath.Base(f)
		if !strings.HasSuffix(base, ".eml") && !strings.HasPrefix(base, "testRFC822") {
			continue
		}
		s, err := runFile(t, email.NewEML(), f, true)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		if s.subErr != nil {
			t.Errorf("%s: enclosed: %v", base, s.subErr)
		}
		if len(s.failed) != 0 {
			t.Errorf("%s: failed children %+v", base, s.failed)
		}
		parsed++
	}
	t.Logf("tika/mail: %d messages parsed", parsed)

	eml := func(name string) *sink {
		t.Helper()
		s, err := runFile(t, email.NewEML(), corpus.File(t, "tika/mail/"+name), true)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return s
	}
	contains := func(name, text string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s: text lacks %q:\n%s", name, w, text)
			}
		}
	}

	// RFC822ParserTest.java:235-239
	s := eml("testRFC822_i18nheaders")
	if s.meta.Email.From != "Keld Jørn Simonsen <keld@dkuug.dk>" {
		t.Errorf("i18nheaders From = %q", s.meta.Email.From)
	}
	if s.meta.Title != "If you can read this you understand the example." {
		t.Errorf("i18nheaders Title = %q", s.meta.Title)
	}

	// RFC822ParserTest.java:197-200
	s = eml("testRFC822_quoted")
	body := strings.SplitN(s.text.String(), "\n\n", 2)[1]
	contains("testRFC822_quoted", body, "Düsseldorf has non-ascii.", "Lines can be split like this.", "Spaces at the end of a line \nmust be encoded.\n")
	if strings.Contains(body, "=") {
		t.Errorf("testRFC822_quoted: escape left in %q", body)
	}

	// RFC822ParserTest.java:218
	s = eml("testRFC822_base64")
	contains("testRFC822_base64", s.text.String(), "Here is some text, with international characters, voilà!")

	// RFC822ParserTest.java:395-410
	s = eml("testEmailWithPNGAtt.eml")
	if s.meta.Email.From != "Tika Test <XXXX@apache.org>" || s.meta.Title != "Test Attachment Email" {
		t.Errorf("PNGAtt From %q Title %q", s.meta.Email.From, s.meta.Title)
	}
	contains("testEmailWithPNGAtt.eml", s.text.String(), "This email has a PNG attachment included in it")
	if c := s.child("testPNG.png"); c == nil || c.Info.MIME != "image/png" || !strings.HasPrefix(string(c.Data), "\x89PNG") {
		t.Errorf("PNGAtt children %v", s.names())
	}

	// RFC822ParserTest.java:309-320
	s = eml("testRFC822-limitedheaders")
	if s.meta.Email.From != "xyz, abc" || fmt.Sprint(s.meta.Email.To) != "[abc def]" || s.meta.Title != "abcd" {
		t.Errorf("limitedheaders %+v", s.meta.Email)
	}
	contains("testRFC822-limitedheaders", s.text.String(), "bar biz bat")

	// RFC822ParserTest.java:369 (16 May 2016 at 09:30:32 GMT+1)
	s = eml("testRFC822_date_utf8")
	if want := time.Date(2016, 5, 16, 8, 30, 32, 0, time.UTC); !s.meta.Email.Date.Equal(want) {
		t.Errorf("date_utf8 Date = %v, want %v", s.meta.Email.Date, want)
	}
	if s.meta.Email.From != "Philipp Steinkrüger <philipp.steinkrueger@uni-koeln.de>" {
		t.Errorf("date_utf8 From = %q", s.meta.Email.From)
	}

	// RFC822ParserTest.java:584-604: the attachments' text is theirs only.
	// Tika reads the HTML alternative ("This is the html body of the main
	// msg."); we prefer text/plain.
	s = eml("testRFC822_multipart_attachments.eml")
	contains("testRFC822_multipart_attachments.eml", s.text.String(), "This is test email for EML1")
	if strings.Contains(s.text.String(), "This is Test TXT") {
		t.Errorf("attachment text in the message text: %q", s.text.String())
	}
	for name, want := range map[string]string{"Test TxtA.txt": "This is Test TXTA File for parser", "Test TxtB.txt": "This is Test TXTB File for parser"} {
		if c := s.child(name); c == nil || !strings.Contains(string(c.Data), want) {
			t.Errorf("multipart_attachments: child %q missing or without %q (children %v)", name, want, s.names())
		}
	}

	// RFC822ParserTest.java:76-88: the zip is a child
	s = eml("testRFC822_normal_zip")
	if s.meta.Email.From != "Juha Haaga <juha.haaga@gmail.com>" || s.meta.Title != "Test mail for Tika" {
		t.Errorf("normal_zip %+v", s.meta.Email)
	}
	contains("testRFC822_normal_zip", s.text.String(), "Includes a normal, unencrypted zip file", "This is the Plain Text part")
	zipFound := false
	for _, c := range s.children {
		zipFound = zipFound || c.Info.MIME == "application/zip" && strings.HasPrefix(string(c.Data), "PK\x03\x04")
	}
	if !zipFound {
		t.Errorf("normal_zip: no zip child in %v", s.names())
	}
}

func TestTikaMbox(t *testing.T) {
	// MboxParserTest.java:156-168
	s, err := runFile(t, email.NewMbox(), corpus.File(t, "tika/mail/complex.mbox"), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.children) != 3 || s.expected != 3 {
		t.Fatalf("complex.mbox: %d children, expected %d", len(s.children), s.expected)
	}
	first := s.children[0].Sub
	if first == nil {
		t.Fatal("complex.mbox: first message not extracted")
	}
	if first.meta.Email.Subject != "Re: question about when shuffle/sort start working" ||
		first.meta.Email.From != "Jothi Padmanabhan <jothipn@yahoo-inc.com>" ||
		fmt.Sprint(first.meta.Email.To) != "[core-user@hadoop.apache.org]" {
		t.Errorf("complex.mbox first message: %+v", first.meta.Email)
	}
	if !strings.Contains(first.text.String(), "When a Mapper completes") {
		t.Errorf("complex.mbox first text: %q", first.text.String())
	}
	if s.children[0].Info.Name != first.meta.Email.MessageID {
		t.Errorf("child named %q, Message-ID %q", s.children[0].Info.Name, first.meta.Email.MessageID)
	}

	for _, name := range []string{"single_mail.mbox", "testMBOX_complex.mbox", "testMBOX_lengthy_x-headers.mbox"} {
		s, err := runFile(t, email.NewMbox(), corpus.File(t, "tika/mail/"+name), true)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(s.children) != 1 || s.subErr != nil {
			t.Errorf("%s: %d children (%v), %v", name, len(s.children), s.names(), s.subErr)
		}
	}
	// MboxParserTest.java:177-178 asserts Tika's choice of the HTML
	// alternative ("body 2", not "body 1"); we prefer text/plain, so the
	// opposite holds here.
	s, _ = runFile(t, email.NewMbox(), corpus.File(t, "tika/mail/testMBOX_complex.mbox"), true)
	if len(s.children) == 1 {
		if text := s.children[0].Sub.text.String(); !strings.Contains(text, "body 1") || strings.Contains(text, "body 2") {
			t.Errorf("testMBOX_complex.mbox: text %q", text)
		}
	}
}

func TestDKIMMessages(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpus.Dir(t), "dkim", "*.eml"))
	for _, f := range files {
		s, err := runFile(t, email.NewEML(), f, false)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if s.meta.Email.From == "" || s.meta.Email.MessageID == "" {
			t.Errorf("%s: %+v", filepath.Base(f), s.meta.Email)
		}
	}
}
