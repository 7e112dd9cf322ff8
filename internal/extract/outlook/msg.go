package outlook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/email"
	"github.com/trove-archive/trove/internal/extract/html"
	"github.com/trove-archive/trove/internal/extract/rtf"
)

// maxEmbedDepth bounds messages embedded in messages inside one .msg.
const maxEmbedDepth = 16

// MSG extracts Outlook messages (.msg, MS-OXMSG).
type MSG struct{ cfg Config }

var _ extract.Extractor = (*MSG)(nil)

// NewMSG returns the .msg extractor.
func NewMSG(cfg Config) *MSG { return &MSG{cfg: cfg.withDefaults()} }

func (*MSG) Name() string    { return "msg" }
func (*MSG) MIMEs() []string { return []string{extract.MIMEMSG} }

// Extract fills s.Meta().Email, Title and Author, writes a header block and
// the body, and emits the attachments as children (see the package
// documentation).
func (m *MSG) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("msg open: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("msg stat: %w", err)
	}
	cf, err := openCFB(f, fi.Size())
	if err != nil {
		return fmt.Errorf("msg: %w", err)
	}
	root := openStore(cf, 0, hdrTop, 0, m.cfg.MaxBodyBytes)
	if _, ok := root.child("__PROPERTIES_VERSION1.0"); !ok {
		return fmt.Errorf("msg: %w: no property stream (not an Outlook message)", extract.ErrCorrupt)
	}
	msg := readMessage(root)
	meta := s.Meta()
	meta.Email = &msg.email
	meta.Title = msg.email.Subject
	if meta.Author == "" {
		meta.Author = msg.email.From
	}
	meta.Created, meta.Modified = msg.created, msg.modified
	if msg.class != "" {
		if meta.Extra == nil {
			meta.Extra = map[string]string{}
		}
		meta.Extra["message_class"] = msg.class
	}
	tw := &errWriter{w: s}
	writeHeaderBlock(tw, &msg.email)
	tw.WriteString(msg.body)
	if msg.body != "" && !strings.HasSuffix(msg.body, "\n") {
		tw.WriteString("\n")
	}
	if tw.err != nil {
		return fmt.Errorf("msg write text: %w", tw.err)
	}
	if err := m.attachments(ctx, root, s); err != nil {
		return err
	}
	if root.err != nil {
		return fmt.Errorf("msg: part of the message could not be read: %w", root.err)
	}
	return nil
}

// message is what a property storage says about a message.
type message struct {
	email             archive.Email
	class             string
	created, modified time.Time
	body              string
}

// readMessage reads the headers and body of a message storage.
func readMessage(st *store) *message {
	msg := &message{class: st.str(pidMessageClass)}
	e := &msg.email
	e.Subject = st.str(pidSubject)
	e.MessageID = st.str(pidInternetMessageID)
	e.InReplyTo = st.str(pidInReplyTo)
	if refs := st.str(pidInternetReferences); refs != "" {
		e.References = strings.Fields(refs)
	}
	e.Date = st.time(pidClientSubmitTime)
	if e.Date.IsZero() {
		e.Date = st.time(pidDeliveryTime)
	}
	msg.created = st.time(pidCreationTime)
	msg.modified = st.time(pidLastModificationTime)

	name := st.str(pidSenderName)
	addr := smtpAddress(st, pidSenderSMTPAddr, pidSenderAddr, pidSenderAddrType)
	if name == "" && addr == "" {
		name = st.str(pidSentRepresentingName)
		addr = smtpAddress(st, pidSentRepresentingSMTP, pidSentRepresentingAddr, pidSentRepresentingType)
	}
	e.From = formatAddress(name, addr)

	for _, k := range st.substorages("__RECIP_VERSION1.0_#") {
		r := openStore(st.f, k, hdrSub, st.cp, st.max)
		name := r.str(pidDisplayName)
		if name == "" {
			name = r.str(pidRecipientDisplayName)
		}
		a := formatAddress(name, smtpAddress(r, pidSMTPAddr, pidEmailAddr, pidAddrType))
		if r.err != nil {
			st.fail(r.err)
		}
		if a == "" {
			continue
		}
		switch t, _ := r.int32(pidRecipientType); t & 0xF {
		case 2:
			e.Cc = append(e.Cc, a)
		case 3:
			e.Bcc = append(e.Bcc, a)
		default:
			e.To = append(e.To, a)
		}
	}

	// The Internet headers, when the message came over SMTP, fill in
	// what the properties lack (an Exchange sender's SMTP address, say).
	if th := st.str(pidTransportHeaders); th != "" {
		if h, err := email.ParseHeaders(strings.NewReader(th + "\r\n\r\n")); err == nil {
			if addr == "" && h.From != "" {
				e.From = h.From
			}
			if len(e.To)+len(e.Cc)+len(e.Bcc) == 0 {
				e.To, e.Cc, e.Bcc = h.To, h.Cc, h.Bcc
			}
			if e.Date.IsZero() {
				e.Date = h.Date
			}
			if e.Subject == "" {
				e.Subject = h.Subject
			}
			if e.MessageID == "" {
				e.MessageID = h.MessageID
			}
			if e.InReplyTo == "" {
				e.InReplyTo = h.InReplyTo
			}
			if len(e.References) == 0 {
				e.References = h.References
			}
		}
	}
	if e.Date.IsZero() {
		e.Date = msg.created
	}
	msg.body = bodyText(st)
	return msg
}

// smtpAddress returns the SMTP address of a sender or recipient: the
// dedicated SMTP property, else the e-mail address when its type is SMTP
// (or it looks like one). An Exchange (X.500) address is not returned.
func smtpAddress(st *store, smtpID, addrID, typeID uint16) string {
	if a := st.str(smtpID); a != "" {
		return a
	}
	a := st.str(addrID)
	if !strings.Contains(a, "@") {
		return ""
	}
	if t := st.str(typeID); strings.EqualFold(t, "SMTP") || t == "" {
		return a
	}
	if strings.Contains(a, "@") && !strings.HasPrefix(a, "/") {
		return a
	}
	return ""
}

// formatAddress formats "Name <addr>", "addr" or "Name", as the e-mail
// extractor does.
func formatAddress(name, addr string) string {
	name = strings.Trim(strings.TrimSpace(name), `"'`)
	addr = strings.TrimPrefix(strings.Join(strings.Fields(addr), ""), "mailto:")
	switch {
	case addr == "":
		return name
	case name == "" || strings.EqualFold(name, addr):
		return addr
	default:
		return name + " <" + addr + ">"
	}
}

// bodyText returns the text of a message: PidTagBody, else the HTML body
// stripped of its markup, else the compressed RTF body (the HTML or text it
// encapsulates, else its own text).
func bodyText(st *store) string {
	if s := st.str(pidBody); strings.TrimSpace(s) != "" {
		return normalizeNewlines(s)
	}
	if b, ok := st.value(pidHTML, ptBinary); ok && len(b) > 0 {
		cs := ""
		if c, ok := codepages[st.cp]; ok {
			cs = c.name
		}
		return htmlText(b, cs)
	}
	if s := st.str(pidHTML); s != "" {
		return htmlText([]byte(s), "utf-8")
	}
	if b, ok := st.value(pidRTFCompressed, ptBinary); ok {
		raw, err := decompressRTF(b, int(st.max))
		if err != nil {
			st.fail(fmt.Errorf("body: %w", err))
		}
		switch encapsulation(raw) {
		case "html":
			return htmlText(deencapsulate(raw), "utf-8")
		case "text":
			return normalizeNewlines(string(deencapsulate(raw)))
		}
		var sb strings.Builder
		_ = rtf.Text(bytes.NewReader(raw), &sb, &archive.Meta{})
		return sb.String()
	}
	return ""
}

func htmlText(b []byte, charset string) string {
	var sb strings.Builder
	_, _ = html.Text(bytes.NewReader(b), charset, &sb)
	return sb.String()
}

func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// writeHeaderBlock writes the header lines the e-mail extractor writes.
func writeHeaderBlock(w *errWriter, e *archive.Email) {
	line := func(k, v string) {
		if v != "" {
			w.WriteString(k + ": " + v + "\n")
		}
	}
	line("From", e.From)
	line("To", strings.Join(e.To, ", "))
	line("Cc", strings.Join(e.Cc, ", "))
	line("Subject", e.Subject)
	if !e.Date.IsZero() {
		line("Date", e.Date.Format(time.RFC1123Z))
	}
	w.WriteString("\n")
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) WriteString(s string) {
	if e.err == nil && s != "" {
		_, e.err = io.WriteString(e.w, s)
	}
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// attachment is one attachment storage.
type attachment struct {
	st     *store
	method int32
	name   string
	mime   string
	// embedded is the entry of the embedded message's storage (method 5).
	embedded uint32
	isMsg    bool
}

// Attachment methods (PidTagAttachMethod).
const (
	attachByValue    = 1
	attachEmbedded   = 5
	attachOLE        = 6
	attachByWebRef   = 7
	attachByRefOnly  = 4
	attachByRef      = 2
	attachByRefResol = 3
)

func readAttachment(parent *store, k uint32, n int) *attachment {
	st := openStore(parent.f, k, hdrSub, parent.cp, parent.max)
	a := &attachment{st: st, method: attachByValue}
	if v, ok := st.int32(pidAttachMethod); ok {
		a.method = v
	}
	a.name = st.str(pidAttachLongFilename)
	if a.name == "" {
		a.name = st.str(pidAttachFilename)
	}
	if a.name == "" {
		a.name = st.str(pidDisplayName)
	}
	a.name = cleanName(a.name)
	a.mime = strings.ToLower(st.str(pidAttachMimeTag))
	if e, ok := st.child(substg(pidAttachData, ptObject)); ok && st.f.dir[e].typ == cfbTypeStorage && a.method != attachOLE {
		a.embedded, a.isMsg = e, true
	}
	if a.isMsg {
		// An embedded message is passed on as an RFC 822 message.
		if a.name == "" {
			es := openStore(st.f, a.embedded, hdrEmbedded, st.cp, st.max)
			a.name = cleanName(es.str(pidSubject))
		}
		if a.name == "" {
			a.name = fmt.Sprintf("message-%d", n)
		}
		if ext := strings.ToLower(extOf(a.name)); ext == ".msg" || ext == ".eml" {
			a.name = a.name[:len(a.name)-len(ext)]
		}
		a.name += ".eml"
		a.mime = extract.MIMEEmail
	} else if a.name == "" {
		a.name = fmt.Sprintf("attachment-%d", n)
	}
	return a
}

// extOf returns the extension of a name, with the dot.
func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return name[i:]
	}
	return ""
}

// cleanName reduces a declared file name to its last path element,
// without control characters.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSpace(s)
	if s == "." || s == ".." {
		return ""
	}
	return s
}

// unavailable says why an attachment has no data to emit, or nil.
func (a *attachment) unavailable() error {
	if a.isMsg {
		return nil
	}
	if _, ok := a.st.child(substg(pidAttachData, ptBinary)); ok {
		return nil
	}
	switch a.method {
	case attachOLE:
		return fmt.Errorf("msg attachment %q: %w: OLE object", a.name, extract.ErrUnsupported)
	case attachByRef, attachByRefResol, attachByRefOnly, attachByWebRef:
		where := a.st.str(pidAttachLongPathname)
		if where == "" {
			where = a.st.str(pidAttachPathname)
		}
		if where == "" {
			where = a.st.str(pidAttachContentLocation)
		}
		return fmt.Errorf("msg attachment %q: %w: a link to %q, not stored in the message", a.name, extract.ErrUnsupported, where)
	}
	return fmt.Errorf("msg attachment %q: %w: no data", a.name, extract.ErrCorrupt)
}

// attachments emits the attachments of the message storage st.
func (m *MSG) attachments(ctx context.Context, st *store, s extract.Sink) error {
	ks := st.substorages("__ATTACH_VERSION1.0_#")
	if len(ks) == 0 {
		return nil
	}
	s.Expect(len(ks))
	for i, k := range ks {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("msg: %w", err)
		}
		a := readAttachment(st, k, i+1)
		info := extract.ChildInfo{Name: a.name, MIME: a.mime}
		if err := a.unavailable(); err != nil {
			s.ChildFailed(info, err)
			continue
		}
		var (
			readErr, stop error
		)
		if a.isMsg {
			readErr, stop = emitEmbedded(ctx, s, info, st, a.embedded, 1)
		} else {
			r, _, err := a.st.reader(pidAttachData, ptBinary)
			if err != nil {
				s.ChildFailed(info, fmt.Errorf("msg attachment %q: %w", a.name, err))
				continue
			}
			er := &errReader{r: r}
			err = s.Child(ctx, info, er)
			if er.err != nil {
				readErr = er.err
			} else {
				stop = err
			}
		}
		if readErr != nil {
			s.ChildFailed(info, fmt.Errorf("msg attachment %q: %w", a.name, readErr))
			continue
		}
		if stop != nil {
			return fmt.Errorf("msg child %q: %w", a.name, stop)
		}
	}
	return nil
}

var errSinkStopped = errors.New("sink stopped reading")

// emitEmbedded passes the embedded message storage k to the sink as an
// RFC 822 message, written as the sink reads it.
func emitEmbedded(ctx context.Context, s extract.Sink, info extract.ChildInfo, parent *store, k uint32, depth int) (readErr, stop error) {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := writeRFC822(pw, openStore(parent.f, k, hdrEmbedded, parent.cp, parent.max), depth)
		pw.CloseWithError(err)
		done <- err
	}()
	err := s.Child(ctx, info, pr)
	pr.CloseWithError(errSinkStopped)
	werr := <-done
	if werr != nil && !errors.Is(werr, errSinkStopped) {
		return werr, nil
	}
	return nil, err
}

// errReader remembers the error of the reader underneath, to tell a
// damaged attachment from a sink that stops.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}
