package ingest

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// Progress is told how an ingest is going, a few times a second.
type Progress interface {
	Update(s *Stats)
	Done(s *Stats)
}

// Bar draws a one-line progress bar on a terminal.
type Bar struct {
	W io.Writer
}

// Update redraws the bar.
func (b Bar) Update(s *Stats) { fmt.Fprintf(b.W, "\r\x1b[K%s", line(s, true)) }

// Done ends the bar's line.
func (b Bar) Done(s *Stats) { fmt.Fprintf(b.W, "\r\x1b[K%s\n", line(s, true)) }

// Log writes a plain progress line every Every (default 5s), for logs.
type Log struct {
	W     io.Writer
	Every time.Duration
	last  *time.Time
}

// NewLog returns a Log progress writer.
func NewLog(w io.Writer, every time.Duration) *Log {
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.Now()
	return &Log{W: w, Every: every, last: &t}
}

// Update writes a line when Every has passed since the last one.
func (l *Log) Update(s *Stats) {
	if time.Since(*l.last) < l.Every {
		return
	}
	*l.last = time.Now()
	fmt.Fprintf(l.W, "ingest: %s\n", line(s, false))
}

// Done writes nothing: the summary follows.
func (l *Log) Done(*Stats) {}

func line(s *Stats, bar bool) string {
	var b strings.Builder
	rate := 0.0
	if secs := s.Elapsed.Seconds(); secs > 0 {
		rate = float64(s.FileBytes) / secs
	}
	if bar && s.BytesTotal > 0 {
		frac := float64(s.FileBytes) / float64(s.BytesTotal)
		frac = min(frac, 1)
		n := int(frac * 24)
		b.WriteString("[" + strings.Repeat("=", n) + strings.Repeat(" ", 24-n) + "] ")
	}
	if s.FilesTotal > 0 {
		fmt.Fprintf(&b, "%d/%d files", s.Files, s.FilesTotal)
	} else {
		fmt.Fprintf(&b, "%d files", s.Files)
	}
	fmt.Fprintf(&b, "  %s", archive.HumanBytes(s.FileBytes))
	if s.BytesTotal > 0 {
		fmt.Fprintf(&b, "/%s", archive.HumanBytes(s.BytesTotal))
	}
	fmt.Fprintf(&b, "  %s/s  %d items", archive.HumanBytes(int64(rate)), s.Items)
	if s.BytesTotal > 0 && rate > 0 && s.FileBytes < s.BytesTotal {
		eta := time.Duration(float64(s.BytesTotal-s.FileBytes) / rate * float64(time.Second))
		fmt.Fprintf(&b, "  ETA %s", eta.Round(time.Second))
	}
	fmt.Fprintf(&b, "  failed %d", s.Failed)
	return b.String()
}
