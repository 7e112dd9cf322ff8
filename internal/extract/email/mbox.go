package email

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/trove-archive/trove/internal/extract"
)

// Mbox splits mailboxes (application/mbox) into messages.
type Mbox struct {
	// MaxMessageSize is the largest message emitted; a larger one is
	// recorded with ChildFailed and extract.ErrTooLarge.
	MaxMessageSize int64
}

var _ extract.Extractor = Mbox{}

// NewMbox returns the mailbox extractor, with a 1 GiB limit per message.
func NewMbox() Mbox { return Mbox{MaxMessageSize: 1 << 30} }

func (Mbox) Name() string    { return "mbox" }
func (Mbox) MIMEs() []string { return []string{extract.MIMEMbox} }

// Extract emits every message of the mailbox as a child named by its
// Message-ID ("<id@host>") or "message-N" (N counting messages from 1),
// with MIME message/rfc822. A message starts at a "From " line at the start
// of the file or after a blank line; that envelope line and the blank line
// before the next one are not part of the message, and ">From " quoting
// (mboxo and mboxrd) is undone. Nothing is held in memory beyond a line:
// messages are streamed from the file. The mailbox writes no text.
func (m Mbox) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("mbox open: %w", err)
	}
	defer f.Close()
	n, err := scanMbox(f, nil)
	if err != nil {
		return fmt.Errorf("mbox read: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("mbox seek: %w", err)
	}
	s.Expect(n)
	limit := m.MaxMessageSize
	if limit <= 0 {
		limit = 1 << 30
	}
	i := 0
	_, err = scanMbox(f, func(start, end int64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		i++
		info := extract.ChildInfo{Name: mboxName(f, start, end, i), MIME: extract.MIMEEmail}
		if end-start > limit {
			s.ChildFailed(info, fmt.Errorf("mbox message %d: %d bytes (limit %d): %w", i, end-start, limit, extract.ErrTooLarge))
			return nil
		}
		src := &errReader{r: io.NewSectionReader(f, start, end-start)}
		if err := s.Child(ctx, info, newUnquoter(src)); err != nil {
			if src.err != nil {
				return fmt.Errorf("mbox read: %w", src.err)
			}
			return fmt.Errorf("mbox child %q: %w", info.Name, err)
		}
		if src.err != nil {
			return fmt.Errorf("mbox read: %w", src.err)
		}
		return nil
	})
	return err
}

// mboxName returns the Message-ID of the message at [start, end) in angle
// brackets, or "message-i".
func mboxName(f io.ReaderAt, start, end int64, i int) string {
	h := bufio.NewReader(newUnquoter(io.NewSectionReader(f, start, end-start)))
	hdr, err := readHeader(h)
	if err == nil {
		if id := msgID(string(hdr.get("message-id"))); id != "" {
			if id[0] != '<' {
				id = "<" + id + ">"
			}
			return id
		}
	}
	return fmt.Sprintf("message-%d", i)
}

// scanMbox finds the messages of a mailbox and calls fn (if not nil) with
// each one's byte range, the envelope line and the blank line before the
// next envelope excluded. Messages with no non-blank line are skipped. It
// returns the number of messages.
func scanMbox(r io.Reader, fn func(start, end int64) error) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		off, lineOff   int64
		lineStart      = true
		prevBlank      bool
		prevBlankOff   int64
		inMsg, content bool
		start          int64
		count          int
	)
	emit := func(end int64) error {
		if !inMsg || !content {
			return nil
		}
		count++
		if fn != nil {
			return fn(start, end)
		}
		return nil
	}
	for {
		line, err := br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull && err != io.EOF {
			return count, err
		}
		lineOff, off = off, off+int64(len(line))
		full := err == nil
		if len(line) > 0 {
			switch {
			case lineStart && bytes.HasPrefix(line, []byte("From ")) && (lineOff == 0 || prevBlank):
				end := lineOff
				if prevBlank {
					end = prevBlankOff
				}
				if err := emit(end); err != nil {
					return count, err
				}
				for err == bufio.ErrBufferFull { // rest of a long envelope line
					line, err = br.ReadSlice('\n')
					off += int64(len(line))
					if err != nil && err != bufio.ErrBufferFull && err != io.EOF {
						return count, err
					}
				}
				full = err == nil
				inMsg, content, start = true, false, off
				prevBlank = false
			default:
				blank := lineStart && full && (len(line) == 1 || len(line) == 2 && line[0] == '\r')
				if !inMsg {
					inMsg, content, start = true, false, lineOff
				}
				if len(bytes.TrimSpace(line)) > 0 {
					content = true
				}
				prevBlank = blank
				if blank {
					prevBlankOff = lineOff
				}
			}
			lineStart = full
		}
		if err == io.EOF {
			end := off
			if prevBlank {
				end = prevBlankOff
			}
			return count, emit(end)
		}
	}
}

// unquoter undoes ">From " quoting: at the start of a line, one '>' is
// removed from ">From ", ">>From ", ... (mboxrd; for mboxo this restores the
// "From " lines).
type unquoter struct {
	br        *bufio.Reader
	lineStart bool
	out       []byte
	err       error
}

func newUnquoter(r io.Reader) *unquoter {
	return &unquoter{br: bufio.NewReaderSize(r, 64<<10), lineStart: true}
}

func (u *unquoter) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		line, err := u.br.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			u.err = err
		}
		if u.lineStart && len(line) > 0 && line[0] == '>' {
			k := 0
			for k < len(line) && line[k] == '>' {
				k++
			}
			if bytes.HasPrefix(line[k:], []byte("From ")) {
				line = line[1:]
			}
		}
		u.lineStart = err == nil
		u.out = line
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}
