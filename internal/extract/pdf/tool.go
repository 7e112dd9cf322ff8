package pdf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/extract"
)

const (
	maxStderr = 2 << 10         // bytes of a tool's stderr kept for the failure record
	waitDelay = 2 * time.Second // after a kill, how long to wait for the pipes to close
)

// run runs one tool with stdin closed (/dev/null), stdout streamed into
// stdout and the tail of stderr kept. The process and its children run in
// their own process group, killed as a whole when ctx ends or stdout fails.
func (e *Extractor) run(ctx context.Context, tool, path string, args []string, stdout io.Writer) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", tool, context.Cause(ctx))
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	out := &guardWriter{w: stdout, cancel: cancel}
	errTail := &tailBuffer{max: maxStderr}
	cmd := exec.CommandContext(runCtx, path, args...)
	cmd.Stdin = nil
	cmd.Stdout = out
	cmd.Stderr = errTail
	cmd.WaitDelay = waitDelay
	setProcessGroup(cmd)

	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case out.err != nil:
		return fmt.Errorf("%s: write text: %w", tool, out.err)
	case err == nil:
		return nil
	case cmd.Process == nil:
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w: %w", tool, extract.ErrToolMissing, err)
		}
		return fmt.Errorf("%s: start: %w", tool, err)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", tool, context.Cause(ctx))
	case errors.As(err, &exitErr):
		stderr := errTail.String()
		if strings.Contains(stderr, "Incorrect password") {
			return fmt.Errorf("%s: %w", tool, errPassword)
		}
		if strings.Contains(stderr, "Copying of text from this document is not allowed") {
			// older poppler enforces the copy permission unless given the owner password
			return fmt.Errorf("%s: %w: copying text not permitted", tool, extract.ErrEncrypted)
		}
		return &extract.ToolError{
			Tool:   tool,
			Err:    fmt.Errorf("%v: %w", exitErr, extract.ErrCorrupt),
			Stderr: stderr,
		}
	default:
		return fmt.Errorf("%s: %w", tool, err)
	}
}

// guardWriter forwards to w; on the first write error it remembers the
// error and cancels the run, so that the tool does not block on a full pipe.
type guardWriter struct {
	w      io.Writer
	cancel context.CancelCauseFunc
	err    error
}

func (g *guardWriter) Write(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.w.Write(p)
	if err != nil {
		g.err = err
		g.cancel(err)
	}
	return n, err
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	buf     []byte
	max     int
	dropped bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		t.dropped = true
		return n, nil
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.dropped = true
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

// String returns the kept bytes as valid UTF-8, starting at a line break
// when the beginning was dropped.
func (t *tailBuffer) String() string {
	b := t.buf
	if t.dropped {
		if i := strings.IndexByte(string(b), '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
		for len(b) > 0 && !utf8.RuneStart(b[0]) {
			b = b[1:]
		}
	}
	return strings.ToValidUTF8(strings.TrimSpace(string(b)), "\uFFFD")
}

// ToolStatus says whether an external tool can be run, for `trove doctor`.
type ToolStatus struct {
	Name    string // e.g. "pdftotext"
	Path    string // where it was found; "" when not found
	Version string // as the tool reports it, e.g. "22.12.0"; "" when unknown
	Err     error  // nil when the tool ran; wraps extract.ErrToolMissing when absent
}

var versionRE = regexp.MustCompile(`version ([0-9][0-9A-Za-z.\-]*)`)

// Check runs each tool with -v and reports its path and version.
func (e *Extractor) Check(ctx context.Context) []ToolStatus {
	tools := []struct{ name, path string }{
		{toolPdftotext, e.cfg.Pdftotext},
	}
	var out []ToolStatus
	for _, t := range tools {
		st := ToolStatus{Name: t.name}
		p, err := exec.LookPath(t.path)
		if err != nil {
			st.Err = fmt.Errorf("%s: %w: %w", t.name, extract.ErrToolMissing, err)
			out = append(out, st)
			continue
		}
		st.Path = p
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		buf := &headBuffer{max: 4 << 10}
		cmd := exec.CommandContext(cctx, p, "-v") // poppler prints the version on stderr
		cmd.Stdout, cmd.Stderr = buf, buf
		cmd.WaitDelay = waitDelay
		setProcessGroup(cmd)
		runErr := cmd.Run()
		cancel()
		if m := versionRE.FindSubmatch(buf.Bytes()); m != nil {
			st.Version = string(m[1])
		} else if runErr != nil {
			st.Err = fmt.Errorf("%s -v: %w", t.name, runErr)
		} else {
			st.Err = fmt.Errorf("%s -v: no version in output %q", t.name, strings.TrimSpace(string(buf.Bytes())))
		}
		out = append(out, st)
	}
	return out
}
