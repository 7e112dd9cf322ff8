// Package tool runs the external programs extractors rely on (poppler,
// tesseract, antiword, readpst, ffprobe, mdbtools, ...) as hostile-input
// processors: each run has a time limit, an address-space limit, a cap on
// its output, no network and, where bubblewrap works, a private view of
// the file system (the system's programs and libraries read-only, the
// input read-only, one private writable folder). A hung, crashing or
// runaway tool costs one recorded error, never the ingest. Runs of tools
// that read one file and write only their output can reuse a sandbox kept
// up between runs (Cmd.Reuse, pool.go), which saves its set-up.
package tool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/extract"
)

// Defaults for a run.
const (
	DefaultTimeout  = 10 * time.Minute
	DefaultMemLimit = 2 << 30 // bytes of address space
	maxStderr       = 2 << 10
	waitDelay       = 2 * time.Second
)

// Cmd is one run of a tool.
type Cmd struct {
	Name string   // the tool's name, for errors and lookups ("pdftotext")
	Path string   // program; default Name, looked up in PATH
	Args []string // arguments; file paths in them must be in Read or Write
	// Stdin is fed to the tool; nil means /dev/null.
	Stdin io.Reader
	// Stdout receives the tool's output; nil discards it.
	Stdout io.Writer
	// MaxOutput caps the bytes taken from stdout; beyond it the tool is
	// killed and Run returns extract.ErrTooLarge. 0: no cap.
	MaxOutput int64
	// Timeout bounds the run on top of ctx; default DefaultTimeout.
	Timeout time.Duration
	// MemLimit bounds the tool's address space; default DefaultMemLimit.
	MemLimit int64
	// Read lists files and folders the tool reads (bound read-only into
	// the sandbox); Write lists folders it may write (e.g. a private temp
	// folder for rendered pages).
	Read  []string
	Write []string
	// Dir is the working directory (must be in Write or Read); default "/".
	Dir string
	// Env adds variables (KEY=VALUE) to a minimal environment.
	Env []string
	// Reuse lets the run take a sandbox kept up between runs (see
	// pool.go), which saves setting one up: for tools that read the files
	// in Read by the names given in Args (they get /proc/self/fd/N
	// instead), write nothing but their output and keep no state. Runs
	// with Write folders or a Dir never reuse a sandbox.
	Reuse bool
}

// Isolation says how tools are confined on this machine.
type Isolation string

const (
	IsolationBwrap   Isolation = "bubblewrap"      // private mount view, no network, own PID namespace
	IsolationUnshare Isolation = "unshare-network" // no network only
	IsolationNone    Isolation = "limits-only"     // time, memory and output limits only
)

var (
	probeOnce sync.Once
	isolation Isolation
	bwrapPath string
)

// Sandbox reports the isolation this machine allows (probed once: bwrap
// fails inside some containers that forbid user namespaces).
func Sandbox() Isolation {
	probeOnce.Do(func() {
		if os.Getenv("TROVE_NO_SANDBOX") != "" {
			isolation = IsolationNone
			return
		}
		if p, err := exec.LookPath("bwrap"); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			truePath, _ := exec.LookPath("true")
			args := append(bwrapArgs(nil, nil, "/"), "--", truePath)
			if err := exec.CommandContext(ctx, p, args...).Run(); err == nil {
				isolation, bwrapPath = IsolationBwrap, p
				return
			}
		}
		if p, err := exec.LookPath("unshare"); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if exec.CommandContext(ctx, p, "--net", "--", "true").Run() == nil {
				isolation = IsolationUnshare
				return
			}
		}
		isolation = IsolationNone
	})
	return isolation
}

// bwrapArgs builds the mount view: system folders read-only, the listed
// paths bound at the same place, a private /tmp, no network.
func bwrapArgs(read, write []string, dir string) []string {
	a := []string{"--die-with-parent", "--new-session", "--unshare-all", "--cap-drop", "ALL",
		"--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
		"--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"}
	for _, l := range []string{"/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"} {
		if t, err := os.Readlink(l); err == nil {
			a = append(a, "--symlink", t, l)
		} else if fi, err := os.Stat(l); err == nil && fi.IsDir() {
			a = append(a, "--ro-bind", l, l)
		}
	}
	for _, p := range read {
		a = append(a, "--ro-bind", p, p)
	}
	for _, p := range write {
		a = append(a, "--bind", p, p)
	}
	return append(a, "--chdir", dir)
}

// Lookup finds a tool; the error wraps extract.ErrToolMissing.
func Lookup(name, path string) (string, error) {
	if path == "" {
		path = name
	}
	p, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w: %w", name, extract.ErrToolMissing, err)
	}
	return p, nil
}

// Run runs c and returns nil, or an error that says why: the context's
// cause, extract.ErrToolMissing, extract.ErrTooLarge, extract.ErrTimeout,
// or an *extract.ToolError (non-zero exit, with the tail of stderr).
func Run(ctx context.Context, c Cmd) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", c.Name, context.Cause(ctx))
	}
	prog, err := Lookup(c.Name, c.Path)
	if err != nil {
		return err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	mem := c.MemLimit
	if mem <= 0 {
		mem = DefaultMemLimit
	}
	dir := c.Dir
	if dir == "" {
		dir = "/"
	}
	runCtx, cancel := context.WithTimeoutCause(ctx, timeout, extract.ErrTimeout)
	defer cancel()
	killCtx, kill := context.WithCancelCause(runCtx)
	defer kill(nil)

	var limits []string
	if p, err := exec.LookPath("prlimit"); err == nil {
		limits = []string{p, "--as=" + strconv.FormatInt(mem, 10), "--core=0", "--"}
	}
	out := &capWriter{w: c.Stdout, max: c.MaxOutput, kill: kill}
	if out.w == nil {
		out.w = io.Discard
	}
	errTail := &tailBuffer{max: maxStderr}
	if Sandbox() == IsolationBwrap && (len(limits) == 0 || systemPath(limits[0])) {
		if args, files, ok := reusable(c, prog); ok {
			req := runRequest{Argv: append([]string{prog}, args...), Limits: limits, Mem: mem}
			if err, done := runReused(ctx, runCtx, killCtx, kill, c, req, files, out, errTail, timeout); done {
				return err
			}
		}
	}
	argv := append(append(limits[:len(limits):len(limits)], prog), c.Args...)
	switch Sandbox() {
	case IsolationBwrap:
		read := make([]string, 0, len(c.Read))
		for _, r := range c.Read {
			if abs, err := filepath.Abs(r); err == nil {
				read = append(read, abs)
			}
		}
		write := make([]string, 0, len(c.Write))
		for _, w := range c.Write {
			if abs, err := filepath.Abs(w); err == nil {
				write = append(write, abs)
			}
		}
		argv = append(append([]string{bwrapPath}, bwrapArgs(read, write, dir)...), append([]string{"--"}, argv...)...)
	case IsolationUnshare:
		argv = append([]string{"unshare", "--net", "--"}, argv...)
	}
	cmd := exec.CommandContext(killCtx, argv[0], argv[1:]...)
	// A Stdin that is not a file is fed through a pipe of our own: exec's
	// copy would hold Wait for as long as a Read of it blocks.
	var inR, inW *os.File
	if f, ok := c.Stdin.(*os.File); ok {
		cmd.Stdin = f
	} else if c.Stdin != nil {
		if inR, inW, err = os.Pipe(); err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		defer inR.Close()
		cmd.Stdin = inR
	}
	cmd.Stderr = errTail
	cmd.Dir = dir
	cmd.Env = toolEnv(c)
	cmd.WaitDelay = waitDelay
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
	// Standard output is read here, to its end, before Wait: the reader
	// (an extractor's sink, which may wait on the catalog writer) takes
	// the time it needs, and the tool waits on a full pipe meanwhile.
	// Given to exec as a Writer, it would be copied by exec's goroutine,
	// which Wait abandons WaitDelay after the tool exits, dropping the
	// tail of the output whenever the reader was slow for that long. The
	// end of the output is bounded: the run's timeout kills the whole
	// process group, which closes the pipe.
	var stdout io.ReadCloser
	stdout, err = cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err == nil {
		var fed func()
		if inW != nil {
			inR.Close() // the tool's now
			fed = feed(inW, c.Stdin)
		}
		_, copyErr := io.Copy(out, stdout)
		if copyErr != nil && !out.over && out.err == nil {
			kill(copyErr) // a read error on the pipe: stop the tool
		}
		err = cmd.Wait()
		if fed != nil {
			fed()
		}
	} else if inW != nil {
		inW.Close()
	}
	var exitErr *exec.ExitError
	switch {
	case out.over:
		return fmt.Errorf("%s: %w: output over %d bytes", c.Name, extract.ErrTooLarge, c.MaxOutput)
	case out.err != nil:
		return fmt.Errorf("%s: write output: %w", c.Name, out.err)
	case err == nil:
		return nil
	case cmd.Process == nil:
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w: %w", c.Name, extract.ErrToolMissing, err)
		}
		return fmt.Errorf("%s: start: %w", c.Name, err)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", c.Name, context.Cause(ctx))
	case runCtx.Err() != nil:
		return fmt.Errorf("%s: %w after %s", c.Name, extract.ErrTimeout, timeout)
	case errors.As(err, &exitErr):
		return &extract.ToolError{Tool: c.Name, Err: fmt.Errorf("%v: %w", exitErr, extract.ErrCorrupt), Stderr: errTail.String()}
	default:
		return fmt.Errorf("%s: %w", c.Name, err)
	}
}

// feed copies r into the pipe w in the background. The function it
// returns, called once the tool has ended, waits for the copy (which ends
// with EPIPE if the tool stopped reading) at most waitDelay, as exec's
// WaitDelay: a Read of r that blocks does not hold the run; the copy fails
// on the closed pipe when it returns.
func feed(w *os.File, r io.Reader) func() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(w, r)
		w.Close()
	}()
	return func() {
		select {
		case <-done:
		case <-time.After(waitDelay):
			w.Close()
		}
	}
}

// toolEnv is the whole environment of a run.
func toolEnv(c Cmd) []string {
	return append([]string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/tmp", "OMP_THREAD_LIMIT=1"}, c.Env...)
}

// capWriter forwards at most max bytes (0: all) and kills the run beyond
// that or on a write error, so a tool never blocks on a full pipe.
type capWriter struct {
	w    io.Writer
	max  int64
	n    int64
	over bool
	err  error
	kill context.CancelCauseFunc
}

func (c *capWriter) Write(p []byte) (int, error) {
	if c.over || c.err != nil {
		return 0, io.ErrClosedPipe
	}
	if c.max > 0 && c.n+int64(len(p)) > c.max {
		c.over = true
		c.kill(extract.ErrTooLarge)
		return 0, extract.ErrTooLarge
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
		c.kill(err)
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

// String returns the kept bytes as valid UTF-8, from a line start when the
// beginning was dropped.
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
