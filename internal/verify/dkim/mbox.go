package dkim

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// maxMboxMessage bounds one message read from a mailbox by ReadMbox.
const maxMboxMessage = 256 << 20

// ReadMbox calls fn for each message of an mbox mailbox, numbered from 1.
// A message starts at a "From " line at the start of the input or after an
// empty line; that envelope line and the empty line before the next one are
// not part of the message, and ">From " quoting is undone (one ">" removed
// from lines of ">…>From "), as the mailbox extractor does at ingest.
func ReadMbox(r io.Reader, fn func(n int, msg []byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var cur bytes.Buffer
	n := 0
	started := false
	prevBlank := true
	pendingBlank := false // an empty line held back: it may precede a "From " line
	emit := func() error {
		if !started {
			return nil
		}
		n++
		err := fn(n, cur.Bytes())
		cur.Reset()
		return err
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			blank := len(bytes.TrimRight(line, "\r\n")) == 0
			switch {
			case prevBlank && bytes.HasPrefix(line, []byte("From ")):
				if err := emit(); err != nil {
					return err
				}
				started, pendingBlank = true, false
			case !started:
				// Text before the first envelope line: not a mailbox
				// message; treat the whole input as one message.
				started = true
				cur.Write(line)
			default:
				if pendingBlank {
					cur.WriteString("\n")
					pendingBlank = false
				}
				if blank {
					pendingBlank = true
				} else {
					if q := bytes.TrimLeft(line, ">"); len(q) < len(line) && bytes.HasPrefix(q, []byte("From ")) {
						line = line[1:]
					}
					cur.Write(line)
				}
			}
			prevBlank = blank
			if cur.Len() > maxMboxMessage {
				return fmt.Errorf("mbox message %d: larger than %d bytes", n+1, maxMboxMessage)
			}
		}
		if err == io.EOF {
			if pendingBlank {
				cur.WriteString("\n")
			}
			return emit()
		}
		if err != nil {
			return fmt.Errorf("mbox read: %w", err)
		}
	}
}
