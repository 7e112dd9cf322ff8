// Package media extracts the metadata of audio and video files with
// ffprobe (run sandboxed by package tool): title, artist, album, dates,
// duration, codecs, dimensions, the recording device and its location.
// The tags are also written as text, so that they are searchable.
package media

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// Config tunes the ffprobe runs. A zero field takes its default.
type Config struct {
	Timeout   time.Duration // per file; default 2 minutes
	MemLimit  int64         // address space; default tool.DefaultMemLimit
	MaxOutput int64         // bytes of ffprobe JSON; default 16 MiB
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Minute
	}
	if c.MemLimit <= 0 {
		c.MemLimit = tool.DefaultMemLimit
	}
	if c.MaxOutput <= 0 {
		c.MaxOutput = 16 << 20
	}
	return c
}

// Extractor reads audio and video metadata with ffprobe.
type Extractor struct{ cfg Config }

var _ extract.Extractor = (*Extractor)(nil)

// New returns the audio and video extractor.
func New(cfg Config) extract.Extractor { return &Extractor{cfg: cfg.withDefaults()} }

func (*Extractor) Name() string { return "ffprobe" }

// MIMEs lists every audio and video type sniffing knows.
func (*Extractor) MIMEs() []string {
	return []string{
		extract.MIMEMP3, extract.MIMEWAV, extract.MIMEFLAC, extract.MIMEOgg, extract.MIMEMP4,
		extract.MIMEWebM, extract.MIMEAVI,
		extract.MIMEQuickTime, extract.MIMEMatroska, extract.MIMEAudioMP4, extract.MIME3GPP,
		extract.MIMEAAC, extract.MIMEMPEG, extract.MIMEMP2T, extract.MIMEAIFF, extract.MIMEAU,
		extract.MIMEAMR, extract.MIMEFLV, extract.MIMEASF, extract.MIMEWMA, extract.MIMEWMV,
	}
}

// Check reports ffprobe for `trove doctor`.
func Check(ctx context.Context) []tool.Status {
	return []tool.Status{tool.Check(ctx, tool.Status{
		Name:     "ffprobe",
		Formats:  []string{"mp3", "wav", "flac", "ogg", "m4a", "aac", "mp4", "mov", "mkv", "webm", "avi", "mpeg", "wmv", "flv"},
		Degraded: "audio and video files are stored without metadata (title, duration, device, location)",
		Install:  "apt-get install ffmpeg",
	}, "", "-version")}
}

func (e *Extractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	path, err := filepath.Abs(in.Path)
	if err != nil {
		return fmt.Errorf("ffprobe: %w", err)
	}
	var out bytes.Buffer
	err = tool.Run(ctx, tool.Cmd{
		Name: "ffprobe",
		Args: []string{"-v", "error", "-hide_banner", "-protocol_whitelist", "file",
			"-print_format", "json", "-show_format", "-show_streams", "-show_chapters",
			"file:" + path},
		Read:      []string{path},
		Stdout:    &out,
		MaxOutput: e.cfg.MaxOutput,
		Timeout:   e.cfg.Timeout,
		MemLimit:  e.cfg.MemLimit,
	})
	if err != nil {
		return fmt.Errorf("ffprobe: %w", err)
	}
	p, err := Parse(out.Bytes())
	if err != nil {
		return err
	}
	if p.Format.FormatName == "" && len(p.Streams) == 0 {
		return fmt.Errorf("ffprobe: %w: no format found", extract.ErrCorrupt)
	}
	p.Apply(s.Meta())
	_, err = io.WriteString(s, p.Text())
	return err
}
