package email_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/extract/email"
)

// Hostile inputs must cost time linear in their size and bounded memory.
func TestEMLHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	tests := []struct {
		name  string
		build func() string
		check func(t *testing.T, s *sink)
	}{
		{"many parts", func() string {
			var b strings.Builder
			b.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
			for i := range 5000 {
				fmt.Fprintf(&b, "--b\nContent-Type: image/gif\n\nGIF%d\n", i)
			}
			return b.String()
		}, func(t *testing.T, s *sink) {
			if len(s.children) != 5000 || s.expected != 5000 {
				t.Errorf("%d children, expected %d", len(s.children), s.expected)
			}
		}},
		{"malformed encoded words", func() string {
			return "Subject: " + strings.Repeat("=?a?q?", 150000) + "?=\n\nx\n"
		}, nil},
		{"huge header line", func() string {
			return "Subject: " + strings.Repeat("x", 8<<20) + "\nX-Other: y\n\nbody\n"
		}, func(t *testing.T, s *sink) {
			if !strings.Contains(s.text.String(), "body") {
				t.Error("body lost")
			}
		}},
		{"many header fields", func() string {
			return strings.Repeat("X-A: b\n", 100000) + "Subject: late\n\nbody\n"
		}, nil},
		{"nested alternatives", func() string {
			var b strings.Builder
			for i := range 60 {
				fmt.Fprintf(&b, "Content-Type: multipart/alternative; boundary=a%d\n\n--a%d\n", i, i)
			}
			b.WriteString("Content-Type: text/plain\n\n" + strings.Repeat("text ", 40000) + "\n")
			return b.String()
		}, func(t *testing.T, s *sink) {
			if n := strings.Count(s.text.String(), "text "); n != 40000 {
				t.Errorf("%d words of text, want 40000", n)
			}
		}},
		{"long lines in parts", func() string {
			return "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n" +
				strings.Repeat("=41", 2<<20) + "\n--b\nContent-Type: application/octet-stream\n\n" + strings.Repeat("z", 3<<20) + "\n--b--\n"
		}, func(t *testing.T, s *sink) {
			if len(s.children) != 1 || len(s.children[0].Data) != 3<<20 {
				t.Errorf("children %v", s.names())
			}
			if n := strings.Count(s.text.String(), "A"); n != 2<<20 || strings.Contains(s.text.String(), "=") {
				t.Errorf("quoted-printable: %d A, want %d", n, 2<<20)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			s, err := runData(t, email.NewEML(), []byte(tt.build()), false)
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, s)
			}
			t.Logf("%v", time.Since(start))
		})
	}
}

// A large attachment is streamed to the sink, decoded.
func TestEMLLargeAttachment(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	var b bytes.Buffer
	b.WriteString("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/octet-stream; name=big.bin\nContent-Transfer-Encoding: base64\n\n")
	b.WriteString(wrap(base64.StdEncoding.EncodeToString(data)))
	b.WriteString("\n--b--\n")
	s := &countingSink{sink: sink{tb: t}}
	if err := email.NewEML().Extract(t.Context(), inputFor(t, b.Bytes()), s); err != nil {
		t.Fatal(err)
	}
	if s.sizes["big.bin"] != int64(len(data)) {
		t.Errorf("big.bin: %d bytes, want %d", s.sizes["big.bin"], len(data))
	}
}
