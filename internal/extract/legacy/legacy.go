package legacy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// Defaults applied when Config leaves a field zero.
const (
	DefaultTimeout   = 2 * time.Minute
	DefaultMaxOutput = 256 << 20
	DefaultMaxStream = 256 << 20 // bytes of a compound file stream read in Go
)

// Config names the programs and bounds their runs. Zero values select the
// defaults; a program path "" means the tool's name looked up in PATH.
type Config struct {
	Catdoc, Antiword, XLS2CSV, Catppt, WPD2Text, WPS2Text string

	Timeout   time.Duration // per tool run
	MemLimit  int64         // address space of a tool run; 0: tool.DefaultMemLimit
	MaxOutput int64         // bytes of text taken from one run
	MaxStream int64         // bytes of one compound file stream read in Go (PowerPoint)
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxOutput <= 0 {
		c.MaxOutput = DefaultMaxOutput
	}
	if c.MaxStream <= 0 {
		c.MaxStream = DefaultMaxStream
	}
	return c
}

// Tool names, as in failure records and `trove doctor`.
const (
	toolCatdoc   = "catdoc"
	toolAntiword = "antiword"
	toolXLS2CSV  = "xls2csv"
	toolCatppt   = "catppt"
	toolWPD2Text = "wpd2text"
	toolWPS2Text = "wps2text"
)

// New returns the extractors for Word 97–2003 (.doc), Excel 97–2003
// (.xls), PowerPoint 97–2003 (.ppt), WordPerfect (.wpd) and Microsoft
// Works (.wps).
func New(cfg Config) []extract.Extractor {
	cfg = cfg.withDefaults()
	return []extract.Extractor{&Word{cfg}, &Excel{cfg}, &PowerPoint{cfg}, &WordPerfect{cfg}, &Works{cfg}}
}

// Check reports the external tools these extractors run, for trove doctor.
func Check(ctx context.Context) []tool.Status {
	return CheckConfig(ctx, Config{})
}

// CheckConfig is Check for configured program paths.
func CheckConfig(ctx context.Context, cfg Config) []tool.Status {
	const catdocPkg = "apt-get install catdoc"
	return []tool.Status{
		tool.Check(ctx, tool.Status{Name: toolCatdoc, Formats: []string{"doc", "dot"},
			Degraded: "Word 97-2003 documents are indexed through antiword only (no headers, footers or Word 6/95 files), or not at all",
			Install:  catdocPkg}, cfg.Catdoc, "-V"),
		tool.Check(ctx, tool.Status{Name: toolAntiword, Formats: []string{"doc (fallback)"},
			Degraded: "no second chance for Word documents catdoc cannot read",
			Install:  "apt-get install antiword"}, cfg.Antiword, "-h"),
		tool.Check(ctx, tool.Status{Name: toolXLS2CSV, Formats: []string{"xls", "xlt"},
			Degraded: "Excel 97-2003 workbooks are not indexed (properties only)",
			Install:  catdocPkg}, cfg.XLS2CSV, "-V"),
		tool.Check(ctx, tool.Status{Name: toolCatppt, Formats: []string{"ppt (fallback)"},
			Degraded: "no second chance for PowerPoint files the built-in reader finds damaged",
			Install:  catdocPkg}, cfg.Catppt, "-V"),
		tool.Check(ctx, tool.Status{Name: toolWPD2Text, Formats: []string{"wpd", "wp", "wp5", "wp6"},
			Degraded: "WordPerfect documents are not indexed",
			Install:  "apt-get install libwpd-tools"}, cfg.WPD2Text, "--version"),
		tool.Check(ctx, tool.Status{Name: toolWPS2Text, Formats: []string{"wps"},
			Degraded: "Microsoft Works documents are not indexed",
			Install:  "apt-get install libwps-tools"}, cfg.WPS2Text, "--version"),
	}
}

// run runs one tool on the file at path with args before the file name,
// and returns its standard output.
func (c Config) run(ctx context.Context, name, prog, path string, args ...string) ([]byte, error) {
	var out bytes.Buffer
	err := tool.Run(ctx, tool.Cmd{
		Name:      name,
		Path:      prog,
		Args:      append(args, path),
		Read:      []string{path},
		Stdout:    &out,
		MaxOutput: c.MaxOutput,
		Timeout:   c.Timeout,
		MemLimit:  c.MemLimit,
		Reuse:     true, // each reads the one file it is given, writes stdout only
	})
	return out.Bytes(), err
}

// stderrOf returns the standard error excerpt of a tool failure.
func stderrOf(err error) string {
	var te *extract.ToolError
	if errors.As(err, &te) {
		return te.Stderr
	}
	return ""
}

// encryptedErr reports a tool's complaint about encryption as
// extract.ErrEncrypted; other errors are returned as they are.
func encryptedErr(err error, m *archive.Meta) error {
	if err == nil {
		return nil
	}
	s := strings.ToLower(stderrOf(err))
	if strings.Contains(s, "encrypted") || strings.Contains(s, "password protected") {
		m.Encrypted = true
		return fmt.Errorf("%w: %w", extract.ErrEncrypted, err)
	}
	return err
}

// openOLE opens the compound file at path; a file that is none is
// extract.ErrUnsupported (no compound file header) or extract.ErrCorrupt.
func openOLE(path, format string) (*cfbFile, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s open: %w", format, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s stat: %w", format, err)
	}
	var head [8]byte
	if n, _ := f.ReadAt(head[:], 0); n < 8 || !bytes.Equal(head[:], cfbMagic) {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w: not a compound file (a pre-97 or mislabelled file)", format, extract.ErrUnsupported)
	}
	c, err := openCFB(f, st.Size())
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w", format, err)
	}
	return c, f.Close, nil
}

// textOut writes text to s as valid UTF-8, without NULs, and with runs of
// blank lines squeezed to one.
func textOut(s extract.Sink, b []byte) error {
	b = bytes.ReplaceAll(b, []byte{0}, nil)
	t := strings.ToValidUTF8(string(b), "\uFFFD")
	t = strings.ReplaceAll(t, "\r\n", "\n")
	var w strings.Builder
	blank := false
	for _, line := range strings.Split(t, "\n") {
		line = strings.TrimRight(line, " \t\r")
		if strings.Trim(line, " \t\r") == "" {
			blank = w.Len() > 0
			continue
		}
		if blank {
			w.WriteByte('\n')
			blank = false
		}
		w.WriteString(line)
		w.WriteByte('\n')
	}
	_, err := s.Write([]byte(w.String()))
	return err
}

// trailer ends the text with the properties that are prose but not in the
// body, so that a search finds them (as the office extractor does).
func trailer(s extract.Sink, m *archive.Meta) error {
	var b strings.Builder
	for _, f := range []struct{ label, value string }{
		{"Title", m.Title},
		{"Subject", m.Subject},
		{"Keywords", m.Keywords},
		{"Description", m.Extra["description"]},
	} {
		if v := strings.TrimSpace(f.value); v != "" {
			b.WriteString(f.label + ": " + v + "\n")
		}
	}
	if b.Len() == 0 {
		return nil
	}
	_, err := s.Write([]byte("\n" + b.String()))
	return err
}
