package outlook

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/extract"
)

// writeRFC822 writes the message storage st as an RFC 822 / MIME message:
// its headers from the properties, its body text as a UTF-8 text/plain
// part, its attachments as base64 parts and its embedded messages as
// message/rfc822 parts (recursively, up to maxEmbedDepth). Attachments
// that hold no data are listed in X-Trove-Omitted-Attachment headers.
// Every line is 7-bit ASCII.
func writeRFC822(w io.Writer, st *store, depth int) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	if err := writeMessage(bw, st, depth, map[uint32]bool{}); err != nil {
		return err
	}
	return bw.Flush()
}

// seen holds the storages written so far: a storage that a damaged
// directory makes the child of two attachments (or of itself) is written
// once.
func writeMessage(w *bufio.Writer, st *store, depth int, seen map[uint32]bool) error {
	if seen[st.id] {
		return fmt.Errorf("embedded message: %w: storage %d appears twice in the tree", extract.ErrCorrupt, st.id)
	}
	seen[st.id] = true
	msg := readMessage(st)
	e := &msg.email
	h := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s: %s\r\n", k, v)
		}
	}
	addrs := func(k string, list []string) {
		enc := make([]string, 0, len(list))
		for _, a := range list {
			enc = append(enc, encodeAddress(a))
		}
		h(k, strings.Join(enc, ",\r\n "))
	}
	if e.From != "" {
		addrs("From", []string{e.From})
	}
	addrs("To", e.To)
	addrs("Cc", e.Cc)
	addrs("Bcc", e.Bcc)
	h("Subject", encodeText(e.Subject))
	if !e.Date.IsZero() {
		h("Date", e.Date.Format(time.RFC1123Z))
	}
	h("Message-ID", asciiOnly(e.MessageID))
	h("In-Reply-To", asciiOnly(e.InReplyTo))
	h("References", asciiOnly(strings.Join(e.References, " ")))
	h("X-Outlook-Message-Class", encodeText(msg.class))

	var atts []*attachment
	for i, k := range st.substorages("__ATTACH_VERSION1.0_#") {
		a := readAttachment(st, k, i+1)
		if err := a.unavailable(); err != nil {
			h("X-Trove-Omitted-Attachment", encodeText(err.Error()))
			continue
		}
		atts = append(atts, a)
	}
	boundary := newBoundary()
	h("MIME-Version", "1.0")
	h("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	w.WriteString("\r\n")

	fmt.Fprintf(w, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary)
	qp := quotedprintable.NewWriter(w)
	io.WriteString(qp, strings.ReplaceAll(msg.body, "\n", "\r\n"))
	qp.Close()
	w.WriteString("\r\n")

	for _, a := range atts {
		fmt.Fprintf(w, "--%s\r\n", boundary)
		disp := mime.FormatMediaType("attachment", map[string]string{"filename": a.name})
		if disp == "" {
			disp = "attachment"
		}
		if a.isMsg {
			fmt.Fprintf(w, "Content-Type: message/rfc822\r\nContent-Disposition: %s\r\n\r\n", disp)
			if depth >= maxEmbedDepth {
				return fmt.Errorf("embedded message %q: %w: messages nested deeper than %d", a.name, extract.ErrTooDeep, maxEmbedDepth)
			}
			if err := writeMessage(w, openStore(st.f, a.embedded, hdrEmbedded, st.cp, st.max), depth+1, seen); err != nil {
				return err
			}
			w.WriteString("\r\n")
			continue
		}
		ct := a.mime
		if _, _, err := mime.ParseMediaType(ct); err != nil || !strings.Contains(ct, "/") || !isASCII(ct) {
			ct = "application/octet-stream"
		}
		fmt.Fprintf(w, "Content-Type: %s\r\nContent-Disposition: %s\r\nContent-Transfer-Encoding: base64\r\n\r\n", ct, disp)
		r, _, err := a.st.reader(pidAttachData, ptBinary)
		if err != nil {
			return fmt.Errorf("attachment %q: %w", a.name, err)
		}
		lw := &lineWriter{w: w}
		enc := base64.NewEncoder(base64.StdEncoding, lw)
		if _, err := io.Copy(enc, r); err != nil {
			return fmt.Errorf("attachment %q: %w", a.name, err)
		}
		enc.Close()
		w.WriteString("\r\n")
	}
	fmt.Fprintf(w, "--%s--\r\n", boundary)
	if st.err != nil {
		return fmt.Errorf("embedded message: %w", st.err)
	}
	_, err := w.Write(nil)
	return err
}

// newBoundary returns a MIME boundary that cannot occur in base64 or
// quoted-printable text ("=_" never does).
func newBoundary() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "=_trove_" + hex.EncodeToString(b[:])
}

// encodeText encodes a header value as RFC 2047 words when it is not
// plain ASCII.
func encodeText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if isASCII(s) {
		return s
	}
	return mime.QEncoding.Encode("utf-8", s)
}

// encodeAddress encodes the display name of "Name <addr>".
func encodeAddress(a string) string {
	name, addr := a, ""
	if i := strings.LastIndex(a, " <"); i >= 0 && strings.HasSuffix(a, ">") {
		name, addr = a[:i], a[i:]
	} else if !strings.ContainsAny(a, " ") && strings.Contains(a, "@") {
		return asciiOnly(a)
	}
	switch {
	case !isASCII(name):
		name = mime.QEncoding.Encode("utf-8", name)
	case strings.ContainsAny(name, `()<>[]:;@\,."`):
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + asciiOnly(addr)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || (s[i] < 0x20 && s[i] != '\t') {
			return false
		}
	}
	return true
}

// asciiOnly drops what is not printable ASCII (from addresses and message
// IDs, which have no encoded form).
func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f {
			return -1
		}
		return r
	}, s)
}

// lineWriter breaks base64 output into 76-character lines.
type lineWriter struct {
	w   io.Writer
	col int
}

func (l *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(76-l.col, len(p))
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
		p = p[k:]
		l.col += k
		if l.col == 76 {
			if _, err := io.WriteString(l.w, "\r\n"); err != nil {
				return 0, err
			}
			l.col = 0
		}
	}
	return n, nil
}
