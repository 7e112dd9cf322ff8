package email_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/email"
)

// crlf turns a fixture written with "\n" into the wire form.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestEMLNames(t *testing.T) {
	if got := email.NewEML().Name(); got != "eml" {
		t.Errorf("Name() = %q", got)
	}
	if got := email.NewEML().MIMEs(); len(got) != 1 || got[0] != extract.MIMEEmail {
		t.Errorf("MIMEs() = %v", got)
	}
	if got := email.NewMbox().Name(); got != "mbox" {
		t.Errorf("Name() = %q", got)
	}
	if got := email.NewMbox().MIMEs(); len(got) != 1 || got[0] != extract.MIMEMbox {
		t.Errorf("MIMEs() = %v", got)
	}
}

func TestEMLSubjectEncodings(t *testing.T) {
	tests := []struct {
		name, header, want string
	}{
		{"iso-8859-1 Q", "=?iso-8859-1?Q?Caf=E9_cr=E8me?=", "Café crème"},
		{"iso-8859-1 B", "=?ISO-8859-1?B?Q2Fm6Q==?=", "Café"},
		{"utf-8 B", "=?utf-8?B?0J/RgNC40LLQtdGC?=", "Привет"},
		{"utf-8 Q", "=?UTF-8?q?Gr=C3=BC=C3=9Fe?= aus Berlin", "Grüße aus Berlin"},
		{"adjacent words join", "=?utf-8?q?a?= =?utf-8?q?b?=\n =?utf-8?q?c?=", "abc"},
		{"character split across words", "=?utf-8?B?w6k=?= =?utf-8?B?4oK=?= =?utf-8?B?rA==?=", "é€"},
		{"text between words kept", "Re: =?utf-8?q?x?= and =?utf-8?q?y?=", "Re: x and y"},
		{"RFC 2231 language in charset", "=?iso-8859-1*fr?q?=E9t=E9?=", "été"},
		{"big5", "=?big5?Q?=A4=A4=A4=E5?=", "中文"},
		{"iso-2022-jp", "=?iso-2022-jp?B?GyRCRnxLXDhsGyhC?=", "日本語"},
		{"koi8-r", "=?koi8-r?B?8NLJ18XU?=", "Привет"},
		{"unknown charset falls back", "=?x-bogus?q?caf=E9?=", "café"},
		{"malformed word kept", "=?utf-8?x?abc?= and =?", "=?utf-8?x?abc?= and =?"},
		{"bad base64 decodes what it can", "=?utf-8?B?SGVsbG8*?=", "Hello"},
		{"folded plain", "a long\n subject", "a long subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustEML(t, "Subject: "+tt.header+"\n\nbody\n")
			if got := s.meta.Email.Subject; got != tt.want {
				t.Errorf("Subject = %q, want %q", got, tt.want)
			}
			if s.meta.Title != tt.want {
				t.Errorf("Title = %q, want %q", s.meta.Title, tt.want)
			}
		})
	}
}

func TestEMLRaw8BitHeaders(t *testing.T) {
	// raw windows-1252 / latin-1 bytes with no declared charset
	s := mustEML(t, "Subject: Gr\xfc\xdfe\nFrom: J\xf6rg <j@example.org>\n\nx\n")
	if got := s.meta.Email.Subject; got != "Grüße" {
		t.Errorf("Subject = %q", got)
	}
	if got := s.meta.Email.From; got != "Jörg <j@example.org>" {
		t.Errorf("From = %q", got)
	}
	// raw 8-bit in the charset the body declares
	s = mustEML(t, "Subject: \xf0\xd2\xc9\xd7\xc5\xd4\nContent-Type: text/plain; charset=koi8-r\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n")
	if got := s.meta.Email.Subject; got != "Привет" {
		t.Errorf("Subject = %q", got)
	}
	if !strings.Contains(s.text.String(), "\n\nПривет\n") {
		t.Errorf("text = %q", s.text.String())
	}
	// raw UTF-8 stays UTF-8
	s = mustEML(t, "Subject: 日本語\n\nx\n")
	if got := s.meta.Email.Subject; got != "日本語" {
		t.Errorf("Subject = %q", got)
	}
}

func TestEMLHeaders(t *testing.T) {
	msg := crlf(`From user@example.org  Thu Aug 22 12:36:23 2002
Return-Path: <a@example.org>
From: "Doe, Jane" <jane@example.org>
To: Bob <bob@example.org>, =?utf-8?q?Ren=C3=A9?= <rene@example.org>,
	carol@example.org (Carol C.)
Cc: undisclosed-recipients:;
Cc: "=?iso-8859-1?q?J=F8rn?=" <jorn@example.dk>
Bcc: eve@example.org
Subject: Hello
Date: Tue, 20 Aug 2002 14:05:01 +0200 (CEST)
Message-ID: <abc.123@example.org>
In-Reply-To: <parent@example.org> (from Bob)
References: <root@example.org>
	<parent@example.org>

Hi Bob.
`)
	s := mustEML(t, msg)
	e := s.meta.Email
	if e.From != "Doe, Jane <jane@example.org>" {
		t.Errorf("From = %q", e.From)
	}
	wantTo := []string{"Bob <bob@example.org>", "René <rene@example.org>", "Carol C. <carol@example.org>"}
	if fmt.Sprint(e.To) != fmt.Sprint(wantTo) {
		t.Errorf("To = %q, want %q", e.To, wantTo)
	}
	if fmt.Sprint(e.Cc) != fmt.Sprint([]string{"Jørn <jorn@example.dk>"}) {
		t.Errorf("Cc = %q", e.Cc)
	}
	if fmt.Sprint(e.Bcc) != "[eve@example.org]" {
		t.Errorf("Bcc = %q", e.Bcc)
	}
	if e.MessageID != "<abc.123@example.org>" || e.InReplyTo != "<parent@example.org>" {
		t.Errorf("MessageID = %q, InReplyTo = %q", e.MessageID, e.InReplyTo)
	}
	if fmt.Sprint(e.References) != "[<root@example.org> <parent@example.org>]" {
		t.Errorf("References = %q", e.References)
	}
	want := time.Date(2002, 8, 20, 12, 5, 1, 0, time.UTC)
	if !e.Date.Equal(want) {
		t.Errorf("Date = %v, want %v", e.Date, want)
	}
	wantText := "From: Doe, Jane <jane@example.org>\n" +
		"To: Bob <bob@example.org>, René <rene@example.org>, Carol C. <carol@example.org>\n" +
		"Cc: Jørn <jorn@example.dk>\n" +
		"Subject: Hello\n" +
		"Date: Tue, 20 Aug 2002 14:05:01 +0200 (CEST)\n\n" +
		"Hi Bob.\n"
	if got := s.text.String(); got != wantText {
		t.Errorf("text:\n%q\nwant\n%q", got, wantText)
	}
	if s.expected != 0 || len(s.children) != 0 {
		t.Errorf("expected %d, children %v", s.expected, s.names())
	}
}

func TestEMLDates(t *testing.T) {
	tests := []struct {
		date string
		want time.Time
	}{
		{"Mon, 2 Sep 2002 16:22:39 +0100", time.Date(2002, 9, 2, 15, 22, 39, 0, time.UTC)},
		{"2 Sep 2002 16:22:39 -0000", time.Date(2002, 9, 2, 16, 22, 39, 0, time.UTC)},
		{"Mon, 02 Sep 02 16:22:39 EDT", time.Date(2002, 9, 2, 20, 22, 39, 0, time.UTC)},
		{"Mon, 2 Sep 2002 16:22:39 CEST", time.Date(2002, 9, 2, 14, 22, 39, 0, time.UTC)},
		{"Mon Sep  2 16:22:39 2002", time.Date(2002, 9, 2, 16, 22, 39, 0, time.UTC)},
		{"16 May 2016 at 09:30:32  GMT+1", time.Date(2016, 5, 16, 8, 30, 32, 0, time.UTC)},
		{"Monday, September 2, 2002 4:22 PM", time.Date(2002, 9, 2, 16, 22, 0, 0, time.UTC)},
		{"2002-09-02T16:22:39+02:00", time.Date(2002, 9, 2, 14, 22, 39, 0, time.UTC)},
		{"Mon, 2 Sep 2002 16:22:39 +0100 (BST) trailing junk", time.Date(2002, 9, 2, 15, 22, 39, 0, time.UTC)},
		{"not a date", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			e, err := email.ParseHeaders(strings.NewReader("Subject: x\nDate: " + tt.date + "\n\n"))
			if err != nil {
				t.Fatal(err)
			}
			if !e.Date.Equal(tt.want) {
				t.Errorf("Date = %v, want %v", e.Date, tt.want)
			}
		})
	}
}

func TestEMLWithoutMIME(t *testing.T) {
	tests := []struct {
		name, msg, wantSubject, wantText string
	}{
		{"plain RFC 822", "From: a@example.org\nSubject: plain\n\nJust text.\n", "plain", "From: a@example.org\nSubject: plain\n\nJust text.\n"},
		{"header only", "From: a@example.org\nSubject: only headers\n", "only headers", "From: a@example.org\nSubject: only headers\n\n"},
		{"header only, blank line", "Subject: h\n\n", "h", "Subject: h\n\n"},
		{"no header", "\nbody only\n", "", "\nbody only\n"},
		{"empty", "", "", "\n"},
		{"body starts without blank line", "Subject: s\nthis is not a header\nmore\n", "s", "Subject: s\n\nthis is not a header\nmore\n"},
		{"missing date", "Subject: nodate\n\nx\n", "nodate", "Subject: nodate\n\nx\n"},
		{"invalid date", "Subject: bad\nDate: yesterday-ish\n\nx\n", "bad", "Subject: bad\nDate: yesterday-ish\n\nx\n"},
		{"envelope only", "From someone Thu Jan  1 00:00:00 1970\n", "", "\n"},
		{"CRLF", "Subject: crlf\r\n\r\nline 1\r\nline 2\r\n", "crlf", "Subject: crlf\n\nline 1\nline 2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustEML(t, tt.msg)
			if s.meta.Email == nil {
				t.Fatal("no Email meta")
			}
			if s.meta.Email.Subject != tt.wantSubject {
				t.Errorf("Subject = %q, want %q", s.meta.Email.Subject, tt.wantSubject)
			}
			if !s.meta.Email.Date.IsZero() {
				t.Errorf("Date = %v, want zero", s.meta.Email.Date)
			}
			if got := s.text.String(); got != tt.wantText {
				t.Errorf("text = %q, want %q", got, tt.wantText)
			}
		})
	}
}

func TestEMLTransferEncodings(t *testing.T) {
	tests := []struct {
		name, cte, charset, body, want string
	}{
		{"base64", "base64", "utf-8", "w6l0w6kK", "été\n"},
		{"base64 folded", "base64", "utf-8", "w6l0\nw6kK\n", "été\n"},
		{"base64 garbage inside", "base64", "utf-8", "w6l0*w6k!K\n", "été\n"},
		{"base64 truncated", "BASE64", "utf-8", "aGVsbG8gd29y", "hello wor\n"},
		{"quoted-printable", "quoted-printable", "iso-8859-1", "caf=E9 soft=\nbreak =3D done  \n", "café softbreak = done\n"},
		{"quoted-printable broken escapes", "quoted-printable", "utf-8", "100=% sure =ZZ\n", "100=% sure =ZZ\n"},
		{"7bit", "7bit", "", "plain\n", "plain\n"},
		{"8bit latin1", "8bit", "iso-8859-1", "caf\xe9\n", "café\n"},
		{"binary", "binary", "utf-8", "raw\n", "raw\n"},
		{"unknown encoding passes through", "x-custom", "", "as is\n", "as is\n"},
		{"bogus charset, 8-bit", "8bit", "default_charset", "caf\xe9\n", "café\n"},
		{"bogus charset, utf-8", "8bit", "unknown-8bit", "café\n", "café\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := "Subject: t\nContent-Type: text/plain; charset=" + tt.charset + "\nContent-Transfer-Encoding: " + tt.cte + "\n\n" + tt.body
			s := mustEML(t, msg)
			got := strings.SplitN(s.text.String(), "\n\n", 2)[1]
			if got != tt.want {
				t.Errorf("body = %q, want %q", got, tt.want)
			}
		})
	}
}

// multipartMsg builds a multipart message from parts (each "headers\n\nbody").
func multipartMsg(subtype, boundary string, parts ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Subject: multi\nMIME-Version: 1.0\nContent-Type: multipart/%s; boundary=\"%s\"\n\nThis is a multi-part message in MIME format.\n", subtype, boundary)
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\n%s\n", boundary, p)
	}
	fmt.Fprintf(&b, "--%s--\nepilogue\n", boundary)
	return b.String()
}

func TestEMLAlternative(t *testing.T) {
	plain := "Content-Type: text/plain; charset=utf-8\n\nplain version"
	html := "Content-Type: text/html; charset=utf-8\n\n<html><head><title>T</title><style>p{}</style></head><body><p>html <b>version</b></p><script>x()</script></body></html>"
	t.Run("html only", func(t *testing.T) {
		s := mustEML(t, multipartMsg("alternative", "b1", html))
		body := strings.SplitN(s.text.String(), "\n\n", 2)[1]
		if !strings.Contains(body, "html version") || strings.ContainsAny(body, "<>") || strings.Contains(body, "x()") {
			t.Errorf("body = %q", body)
		}
		if strings.Contains(body, "multi-part message") || strings.Contains(body, "epilogue") {
			t.Errorf("preamble or epilogue in body: %q", body)
		}
		if len(s.children) != 0 {
			t.Errorf("children %v", s.names())
		}
	})
	t.Run("plain preferred", func(t *testing.T) {
		for _, order := range [][]string{{plain, html}, {html, plain}} {
			s := mustEML(t, multipartMsg("alternative", "b1", order...))
			body := s.text.String()
			if !strings.Contains(body, "plain version") || strings.Contains(body, "html version") {
				t.Errorf("body = %q", body)
			}
		}
	})
	t.Run("empty plain falls back to html", func(t *testing.T) {
		s := mustEML(t, multipartMsg("alternative", "b1", "Content-Type: text/plain\n\n  \n", html))
		if !strings.Contains(s.text.String(), "html version") {
			t.Errorf("text = %q", s.text.String())
		}
	})
	t.Run("related html with inline image", func(t *testing.T) {
		related := "Content-Type: multipart/related; boundary=b2\n\n--b2\n" + html + "\n--b2\nContent-Type: image/png\nContent-Transfer-Encoding: base64\nContent-ID: <img1>\n\niVBORw0KGgo=\n--b2--\n"
		s := mustEML(t, multipartMsg("alternative", "b1", related))
		if !strings.Contains(s.text.String(), "html version") {
			t.Errorf("text = %q", s.text.String())
		}
		if got := s.names(); fmt.Sprint(got) != "[attachment-1.png]" {
			t.Errorf("children = %v", got)
		}
		if c := s.child("attachment-1.png"); c == nil || string(c.Data) != "\x89PNG\r\n\x1a\n" || c.Info.MIME != "image/png" {
			t.Errorf("child = %+v", c)
		}
	})
}

func TestEMLAttachments(t *testing.T) {
	pdf := "%PDF-1.4 fake\n" + strings.Repeat("\x00\xff", 3000)
	msg := multipartMsg("mixed", "==_outer",
		"Content-Type: text/plain\n\nfirst text",
		"Content-Type: application/pdf; name=\"report.pdf\"\nContent-Transfer-Encoding: base64\n\n"+wrap(base64.StdEncoding.EncodeToString([]byte(pdf))),
		"Content-Type: text/plain\nContent-Disposition: inline\n\nsecond text",
		"Content-Type: text/plain; charset=utf-8\nContent-Disposition: attachment\n\nnotes as attachment",
		"Content-Type: application/octet-stream\nContent-Disposition: attachment;\n filename*0*=iso-8859-1''R%E9sum%E9%20;\n filename*1=\"final.txt\"\n\nresume",
		"Content-Type: application/octet-stream; name*=UTF-8''%E2%82%AC%20rates.bin\n\nrates",
		"Content-Type: image/gif\nContent-Disposition: attachment; filename=\"=?utf-8?q?bild_=C3=BC.gif?=\"\n\nGIF89a",
		"Content-Type: application/x-thing\nContent-Disposition: attachment; filename=\"C:\\\\Docs\\\\evil.exe\"\n\nMZ",
		"Content-Type: application/zip\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=broken.zip\n\n!!!! ****\n",
	)
	s := mustEML(t, msg)
	wantNames := []string{"report.pdf", "attachment-2.txt", "Résumé final.txt", "€ rates.bin", "bild ü.gif", "evil.exe"}
	if fmt.Sprint(s.names()) != fmt.Sprint(wantNames) {
		t.Errorf("children = %q, want %q", s.names(), wantNames)
	}
	if s.expected != 7 {
		t.Errorf("Expect(%d), want 7", s.expected)
	}
	if c := s.child("report.pdf"); c == nil || string(c.Data) != pdf || c.Info.MIME != "application/pdf" {
		t.Errorf("report.pdf wrong: %+v", c != nil)
	}
	if c := s.child("attachment-2.txt"); c == nil || string(c.Data) != "notes as attachment" || c.Info.MIME != "text/plain" {
		t.Errorf("attachment-3.txt = %+v", c)
	}
	if len(s.failed) != 1 || s.failed[0].Info.Name != "broken.zip" || !errors.Is(s.failed[0].Err, extract.ErrCorrupt) {
		t.Errorf("failed = %+v", s.failed)
	}
	body := strings.SplitN(s.text.String(), "\n\n", 2)[1]
	if body != "first text\nsecond text\n" {
		t.Errorf("body = %q", body)
	}
}

func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	return b.String() + s
}

func TestEMLNestedMessage(t *testing.T) {
	inner := multipartMsg("mixed", "inner-b",
		"Content-Type: text/plain\n\ninner body",
		"Content-Type: text/csv; name=data.csv\nContent-Transfer-Encoding: quoted-printable\n\na,b=\n,c\n1,2,3")
	inner = strings.Replace(inner, "Subject: multi", "Subject: Inner subject\nMessage-ID: <inner@example.org>", 1)
	outer := multipartMsg("mixed", "outer-b",
		"Content-Type: text/plain\n\nsee the forwarded message",
		"Content-Type: message/rfc822\n\n"+inner,
		"Content-Type: message/rfc822; name=\"fwd.eml\"\nContent-Transfer-Encoding: base64\n\n"+wrap(base64.StdEncoding.EncodeToString([]byte("Subject: second\n\nsecond body\n"))),
	)
	s := mustEML(t, outer)
	if fmt.Sprint(s.names()) != "[message-1.eml fwd.eml]" {
		t.Fatalf("children = %v", s.names())
	}
	if s.subErr != nil {
		t.Fatal(s.subErr)
	}
	body := s.text.String()
	if !strings.Contains(body, "see the forwarded message") || strings.Contains(body, "inner body") {
		t.Errorf("outer text = %q", body)
	}
	m := s.child("message-1.eml")
	if m.Info.MIME != extract.MIMEEmail {
		t.Errorf("MIME = %q", m.Info.MIME)
	}
	if !strings.HasPrefix(string(m.Data), "Subject: Inner subject\n") {
		t.Errorf("enclosed message starts %q", string(m.Data)[:min(40, len(m.Data))])
	}
	sub := m.Sub
	if sub.meta.Email.Subject != "Inner subject" || sub.meta.Email.MessageID != "<inner@example.org>" {
		t.Errorf("inner meta = %+v", sub.meta.Email)
	}
	if !strings.Contains(sub.text.String(), "inner body") {
		t.Errorf("inner text = %q", sub.text.String())
	}
	if c := sub.child("data.csv"); c == nil || string(c.Data) != "a,b,c\n1,2,3" || c.Info.MIME != "text/csv" {
		t.Errorf("inner attachment = %+v (children %v)", c, sub.names())
	}
	if f := s.child("fwd.eml"); f.Sub == nil || f.Sub.meta.Email.Subject != "second" {
		t.Errorf("fwd.eml = %q", f.Data)
	}
	if s.total() != 3 {
		t.Errorf("total children = %d, want 3", s.total())
	}
}

func TestEMLMultipartQuirks(t *testing.T) {
	t.Run("no close delimiter", func(t *testing.T) {
		msg := "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\none\n--x\nContent-Type: image/jpeg; name=a.jpg\n\nJPEGDATA\n"
		s := mustEML(t, msg)
		if c := s.child("a.jpg"); c == nil || string(c.Data) != "JPEGDATA\n" {
			t.Errorf("children %v", s.names())
		}
		if !strings.Contains(s.text.String(), "one") {
			t.Errorf("text %q", s.text.String())
		}
	})
	t.Run("no delimiter at all", func(t *testing.T) {
		s := mustEML(t, "Content-Type: multipart/mixed; boundary=x\n\njust some text\n")
		if !strings.Contains(s.text.String(), "just some text") {
			t.Errorf("text %q", s.text.String())
		}
	})
	t.Run("no boundary parameter", func(t *testing.T) {
		s := mustEML(t, "Content-Type: multipart/mixed\n\nstill text\n")
		if !strings.Contains(s.text.String(), "still text") || len(s.children) != 0 {
			t.Errorf("text %q children %v", s.text.String(), s.names())
		}
	})
	t.Run("inner part ends at outer delimiter", func(t *testing.T) {
		msg := "Content-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: multipart/alternative; boundary=inner\n\n--inner\nContent-Type: text/plain\n\ninner text\n--outer\nContent-Type: application/pdf; name=x.pdf\n\n%PDF\n--outer--\n"
		s := mustEML(t, msg)
		if c := s.child("x.pdf"); c == nil || string(c.Data) != "%PDF" {
			t.Errorf("children %v", s.names())
		}
		if !strings.Contains(s.text.String(), "inner text") {
			t.Errorf("text %q", s.text.String())
		}
	})
	t.Run("delimiter with padding and CRLF", func(t *testing.T) {
		msg := crlf("Content-Type: multipart/mixed; boundary=\"a b\"\n\n--a b  \nContent-Type: application/octet-stream; name=f.bin\n\nline1\nline2\n--a b-- \n")
		s := mustEML(t, msg)
		if c := s.child("f.bin"); c == nil || string(c.Data) != "line1\r\nline2" {
			t.Errorf("children %v %+v", s.names(), s.children)
		}
	})
	t.Run("digest defaults to messages", func(t *testing.T) {
		msg := multipartMsg("digest", "d", "\nSubject: one\n\nfirst", "\nSubject: two\n\nsecond")
		s := mustEML(t, msg)
		if fmt.Sprint(s.names()) != "[message-1.eml message-2.eml]" {
			t.Errorf("children %v", s.names())
		}
	})
	t.Run("too deep", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("Subject: deep\n")
		for i := range 70 {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\n\nbottom\n")
		_, err := runData(t, email.NewEML(), []byte(b.String()), false)
		if !errors.Is(err, extract.ErrTooDeep) {
			t.Errorf("err = %v, want ErrTooDeep", err)
		}
	})
	t.Run("deep but within limit", func(t *testing.T) {
		var b strings.Builder
		for i := range 60 {
			fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
		}
		b.WriteString("Content-Type: text/plain\n\nbottom\n")
		s := mustEML(t, b.String())
		if !strings.Contains(s.text.String(), "bottom") {
			t.Errorf("text %q", s.text.String())
		}
	})
}

func TestParseHeaders(t *testing.T) {
	e, err := email.ParseHeaders(strings.NewReader("From x@y  Mon Jan  1 00:00:00 2001\nFrom: =?utf-8?q?Z=C3=BC?= <z@example.org>\nTo: a@example.org\nSubject: =?iso-8859-1?q?=E0_la?=\n\nBody: not a header\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e.From != "Zü <z@example.org>" || e.Subject != "à la" || fmt.Sprint(e.To) != "[a@example.org]" {
		t.Errorf("got %+v", e)
	}
}

func TestEMLTextIsUTF8(t *testing.T) {
	s := mustEML(t, "Subject: \xff\xfe\nContent-Type: text/plain; charset=utf-8\n\nbad \xc3\x28 utf8 \xe9\n")
	if !utf8.ValidString(s.text.String()) || !utf8.ValidString(s.meta.Email.Subject) {
		t.Errorf("not UTF-8: %q", s.text.String())
	}
}
