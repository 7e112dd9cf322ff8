package email_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/email"
)

func mustMbox(tb testing.TB, ex email.Mbox, data string) *sink {
	tb.Helper()
	s, err := runData(tb, ex, []byte(data), false)
	if err != nil {
		tb.Fatalf("extract mbox: %v", err)
	}
	return s
}

func TestMboxSplit(t *testing.T) {
	mbox := "From alice@example.org Mon Jan  1 00:00:00 2001\n" +
		"Message-ID: <one@example.org>\nSubject: one\n\n" +
		"first body\n>From the quoted line\n>>From stays quoted once\n>Frontier is not quoting\n" +
		"From inside a paragraph is not a separator\n\n" +
		"From bob@example.org Tue Jan  2 00:00:00 2001\n" +
		"Subject: two, without Message-ID\n\nsecond body\n\n" +
		"From carol@example.org Wed Jan  3 00:00:00 2001\n" +
		"Message-ID: bare-id@example.org\nSubject: three\n\nthird body\n\n"
	s := mustMbox(t, email.NewMbox(), mbox)
	if want := "[<one@example.org> message-2 <bare-id@example.org>]"; fmt.Sprint(s.names()) != want {
		t.Fatalf("children = %v, want %s", s.names(), want)
	}
	if s.expected != 3 {
		t.Errorf("Expect(%d), want 3", s.expected)
	}
	if s.text.Len() != 0 {
		t.Errorf("mbox wrote text %q", s.text.String())
	}
	want1 := "Message-ID: <one@example.org>\nSubject: one\n\n" +
		"first body\nFrom the quoted line\n>From stays quoted once\n>Frontier is not quoting\n" +
		"From inside a paragraph is not a separator\n"
	if got := string(s.children[0].Data); got != want1 {
		t.Errorf("message 1:\n%q\nwant\n%q", got, want1)
	}
	if got := string(s.children[1].Data); got != "Subject: two, without Message-ID\n\nsecond body\n" {
		t.Errorf("message 2: %q", got)
	}
	for _, c := range s.children {
		if c.Info.MIME != extract.MIMEEmail {
			t.Errorf("%s: MIME %q", c.Info.Name, c.Info.MIME)
		}
	}
}

func TestMboxEdges(t *testing.T) {
	tests := []struct {
		name, mbox string
		want       []string
	}{
		{"empty", "", nil},
		{"blank lines only", "\n\n\n", nil},
		{"no envelope: one message", "Subject: lone\nMessage-ID: <lone@x>\n\nbody\n", []string{"<lone@x>"}},
		{"content before first envelope", "Subject: a\n\nbody a\n\nFrom b Mon Jan  1 00:00:00 2001\nSubject: b\n\nbody b\n", []string{"message-1", "message-2"}},
		{"empty message skipped", "From a Mon Jan  1 00:00:00 2001\n\nFrom b Mon Jan  1 00:00:00 2001\nSubject: b\n\nx\n", []string{"message-1"}},
		{"no final newline", "From a Mon Jan  1 00:00:00 2001\nSubject: a\n\nx", []string{"message-1"}},
		{"CRLF", "From a Mon Jan  1 00:00:00 2001\r\nSubject: a\r\n\r\nx\r\n\r\nFrom b Mon Jan  1 00:00:00 2001\r\nSubject: b\r\n\r\ny\r\n", []string{"message-1", "message-2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustMbox(t, email.NewMbox(), tt.mbox)
			if fmt.Sprint(s.names()) != fmt.Sprint(tt.want) {
				t.Errorf("children = %v, want %v", s.names(), tt.want)
			}
			if s.expected != len(tt.want) {
				t.Errorf("Expect(%d), want %d", s.expected, len(tt.want))
			}
		})
	}
	s := mustMbox(t, email.NewMbox(), "From a Mon Jan  1 00:00:00 2001\r\nSubject: a\r\n\r\nx\r\n\r\nFrom b Mon Jan  1 00:00:00 2001\r\nSubject: b\r\n\r\ny\r\n")
	if got := string(s.children[0].Data); got != "Subject: a\r\n\r\nx\r\n" {
		t.Errorf("CRLF message 1 = %q", got)
	}
}

func TestMboxTooLarge(t *testing.T) {
	big := strings.Repeat("large line of text\n", 100)
	mbox := "From a Mon Jan  1 00:00:00 2001\nMessage-ID: <small1@x>\n\nsmall\n\n" +
		"From b Mon Jan  1 00:00:00 2001\nMessage-ID: <big@x>\n\n" + big + "\n" +
		"From c Mon Jan  1 00:00:00 2001\nMessage-ID: <small2@x>\n\nsmall\n"
	s := mustMbox(t, email.Mbox{MaxMessageSize: 1000}, mbox)
	if fmt.Sprint(s.names()) != "[<small1@x> <small2@x>]" {
		t.Errorf("children = %v", s.names())
	}
	if len(s.failed) != 1 || s.failed[0].Info.Name != "<big@x>" || !errors.Is(s.failed[0].Err, extract.ErrTooLarge) {
		t.Errorf("failed = %+v", s.failed)
	}
	if s.expected != 3 {
		t.Errorf("Expect(%d), want 3", s.expected)
	}
}

func TestMboxChildrenExtract(t *testing.T) {
	// a message of a mailbox is a message for the EML extractor
	mbox := "From a Mon Jan  1 00:00:00 2001\n" + multipartMsg("mixed", "zz",
		"Content-Type: text/plain\n\nhello\n>From here",
		"Content-Type: application/octet-stream; name=a.bin\n\n\x00\x01") + "\n"
	s := mustMbox(t, email.NewMbox(), mbox)
	if len(s.children) != 1 {
		t.Fatalf("children = %v", s.names())
	}
	sub, err := runData(t, email.NewEML(), s.children[0].Data, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sub.text.String(), "hello\nFrom here") || fmt.Sprint(sub.names()) != "[a.bin]" {
		t.Errorf("text %q children %v", sub.text.String(), sub.names())
	}
}
