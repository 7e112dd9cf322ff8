package outlook_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/outlook"
)

// corpus returns the path of a file of the shared development corpus, or
// skips the test when the corpus is absent.
func corpus(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join("..", "..", "..", "..", "shared", "corpus", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared corpus not available (%v): skipping", err)
	}
	return p
}

// TestMSGCorpus checks Tika's .msg test files against what Tika's own
// tests assert (OutlookParserTest, POIContainerExtractionTest; see
// corpus/expected.json) and what the files visibly hold.
func TestMSGCorpus(t *testing.T) {
	type want struct {
		subject  string
		from     string
		to       []string
		class    string
		date     string // RFC 3339 prefix
		msgID    string
		inReply  string
		refs     []string
		text     []string // substrings of the text
		children []string
	}
	tests := map[string]want{
		"testMSG.msg": {
			subject: "MIME registry use cases", from: "Jukka Zitting <jukka.zitting@gmail.com>",
			to: []string{"tika-dev@lucene.apache.org"}, class: "IPM.Note", date: "2009-01-29T19:16",
			msgID: "<510143ac0901291116s5f368dfby9d6423ce61acc36a@mail.gmail.com>",
			text:  []string{"From: Jukka Zitting <jukka.zitting@gmail.com>", "working on making the type detection code more\nmodular"},
		},
		"testMSG_chinese.msg": {
			subject: "Alfresco MSG format testing ( MSG 格式測試 )", from: "Tests Chang@FT (張毓倫)",
			to: []string{"Tests Chang@FT (張毓倫) <tests.chang@fengttt.com>"}, date: "2011-03-29",
			msgID: "<EBB9951D34EA4B41B70AB946CF3FB6EC1A297D98@ftm02.FT.FTG.COM>",
			text:  []string{"Alfresco MSG format testing", "\u9673\u60E0\u73CD"},
		},
		"testMSG_forwarded.msg": {
			subject: "FW: Testing", from: "Paul Allan Hill <paul@metajure.com>",
			inReply: "<C8508767C15DBF40A21693142739EA8D564D18FDA1@EXVMBX018-1.exch018.msoutlookonline.net>",
			refs:    []string{"<C8508767C15DBF40A21693142739EA8D564D18FDA1@EXVMBX018-1.exch018.msoutlookonline.net>"},
			text:    []string{"Forwarded Body", "Original Body"},
		},
		"testMSG_att_doc.msg": {
			subject: "test pièce jointe 1", from: "Nicolas1 23456 <nicolas1.23456@free.fr>",
			children: []string{"test-unicode.doc", "pj1.txt"}, text: []string{"contenu"},
		},
		"testMSG_att_msg.msg": {
			subject: "test email", from: "Nick Booth <nick.booth@pof.com.au>",
			children: []string{"Test Attachment.eml", "smbprn.00009008.KdcPjl.pdf"},
			text:     []string{"Test email with 1 msg attachment, 1 pdf"},
		},
		"testMSG_Appointment.msg": {subject: "Quick brown fox", class: "IPM.Appointment", date: "2017-02-28T18:42", text: []string{"meeting to discuss jumping"}},
		"testMSG_Contact.msg":     {subject: "Quick Brown Fox Jr", class: "IPM.Contact", text: []string{"Saw him jump over a lazy dog"}},
		"testMSG_Post.msg":        {subject: "QuickBrownFox", class: "IPM.Post", date: "2017-02-28T18:47:11", text: []string{"lazy brown dog"}},
		"testMSG_Task.msg":        {subject: "Must jump over the lazy dog", class: "IPM.Task", date: "2017-02-28T18:44", text: []string{"Quick brown fox must do what he must"}},
		"test-outlook.msg": {
			subject: "Microsoft Outlook Express 6", from: "L'Équipe Microsoft Outlook Express <msoe@microsoft.com>",
			to: []string{"Nouvel utilisateur de Outlook Express"}, text: []string{"La réponse à vos attentes"},
		},
		"test-outlook2003.msg": {
			subject: "Welcome to Microsoft Office Outlook 2003", from: "Microsoft Outlook 2003 Team <olteam@microsoft.com>",
			children: []string{"1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg", "6.jpg", "7.jpg", "8.jpg", "9.jpg", "10.jpg", "12.jpg"},
		},
	}
	ex := outlook.NewMSG(outlook.Config{})
	for name, w := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := run(t, ex, corpus(t, "tika/outlook/"+name), extract.MIMEMSG)
			if err != nil {
				t.Fatalf("extract: %v", err)
			}
			e := s.meta.Email
			if e == nil {
				t.Fatal("no Meta.Email")
			}
			if e.Subject != w.subject || s.meta.Title != w.subject {
				t.Errorf("subject %q, title %q; want %q", e.Subject, s.meta.Title, w.subject)
			}
			if w.from != "" && e.From != w.from {
				t.Errorf("from %q, want %q", e.From, w.from)
			}
			if w.to != nil && !slices.Equal(e.To, w.to) {
				t.Errorf("to %q, want %q", e.To, w.to)
			}
			if w.class != "" && s.meta.Extra["message_class"] != w.class {
				t.Errorf("class %q, want %q", s.meta.Extra["message_class"], w.class)
			}
			if got := e.Date.UTC().Format(time.RFC3339Nano); e.Date.IsZero() || !strings.HasPrefix(got, w.date) {
				t.Errorf("date %s, want %s…", got, w.date)
			}
			if w.msgID != "" && e.MessageID != w.msgID {
				t.Errorf("message id %q, want %q", e.MessageID, w.msgID)
			}
			if w.inReply != "" && e.InReplyTo != w.inReply {
				t.Errorf("in-reply-to %q, want %q", e.InReplyTo, w.inReply)
			}
			if w.refs != nil && !slices.Equal(e.References, w.refs) {
				t.Errorf("references %q, want %q", e.References, w.refs)
			}
			for _, sub := range w.text {
				if !strings.Contains(s.text.String(), sub) {
					t.Errorf("text lacks %q:\n%.2000s", sub, s.text.String())
				}
			}
			if got := s.names(); !slices.Equal(got, w.children) {
				t.Errorf("children %q, want %q", got, w.children)
			}
			if s.expected != len(w.children) {
				t.Errorf("Expect(%d), want %d", s.expected, len(w.children))
			}
			if len(s.failed) > 0 {
				t.Errorf("failed children: %v", s.failed)
			}
		})
	}
}

// TestMSGEmbedded checks the embedded message of testMSG_att_msg.msg,
// passed on as an RFC 822 message that the e-mail extractor reads.
func TestMSGEmbedded(t *testing.T) {
	s, err := run(t, outlook.NewMSG(outlook.Config{}), corpus(t, "tika/outlook/testMSG_att_msg.msg"), extract.MIMEMSG)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.children) != 2 {
		t.Fatalf("children %q", s.names())
	}
	msg, pdf := s.children[0], s.children[1]
	if msg.Info.MIME != extract.MIMEEmail || msg.Sub == nil {
		t.Fatalf("embedded message: MIME %q", msg.Info.MIME)
	}
	e := msg.Sub.meta.Email
	if e.Subject != "Test Attachment" || e.From != "Nick Booth <nick.booth@pof.com.au>" ||
		e.MessageID != "<3975CB0784A2C249A2EDDD4D43C53D08045B971A82@Stitch.pof.com.au>" ||
		!strings.HasPrefix(e.Date.UTC().Format(time.RFC3339), "2010-06-17T23:52:19") {
		t.Errorf("embedded headers: %+v", e)
	}
	if !strings.Contains(msg.Sub.text.String(), "Blah blah blah") {
		t.Errorf("embedded text: %q", msg.Sub.text.String())
	}
	if !bytes.HasPrefix(pdf.Data, []byte("%PDF")) || len(pdf.Data) != 13539 {
		t.Errorf("pdf: %d bytes, starts %q", len(pdf.Data), pdf.Data[:min(8, len(pdf.Data))])
	}
}

// TestMSGDamaged: damaged files fail with extract.ErrCorrupt, or yield
// what they can, and never panic.
func TestMSGDamaged(t *testing.T) {
	data, err := os.ReadFile(corpus(t, "tika/outlook/testMSG_att_msg.msg"))
	if err != nil {
		t.Fatal(err)
	}
	ex := outlook.NewMSG(outlook.Config{})
	t.Run("not a compound file", func(t *testing.T) {
		_, err := runData(t, ex, []byte("hello, world"), extract.MIMEMSG)
		if !errors.Is(err, extract.ErrCorrupt) {
			t.Fatalf("err %v, want ErrCorrupt", err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		s, err := runData(t, ex, data[:len(data)/2], extract.MIMEMSG)
		if !errors.Is(err, extract.ErrCorrupt) {
			t.Fatalf("err %v, want ErrCorrupt", err)
		}
		t.Logf("truncated: %v; %d children, %d failed", err, len(s.children), len(s.failed))
	})
	t.Run("FAT loop", func(t *testing.T) {
		// Point every FAT entry of the first FAT sector at itself.
		b := bytes.Clone(data)
		first := int(b[0x4C]) | int(b[0x4D])<<8
		off := (first + 1) * 512
		for i := 0; i < 128; i++ {
			v := uint32(i)
			b[off+4*i], b[off+4*i+1], b[off+4*i+2], b[off+4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		}
		done := make(chan error, 1)
		go func() { _, err := runData(t, ex, b, extract.MIMEMSG); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, extract.ErrCorrupt) {
				t.Fatalf("err %v, want ErrCorrupt", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("hangs on a FAT loop")
		}
	})
}
