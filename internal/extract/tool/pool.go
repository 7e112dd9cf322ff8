package tool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/trove-archive/trove/internal/extract"
)

// Reused sandboxes. Setting up a bubblewrap sandbox (namespaces, a dozen
// mounts) costs about 6 ms of CPU, more than poppler takes to read a
// typical PDF. A Cmd with Reuse set runs instead in a sandbox that stays
// up between runs, with the same mount view and namespaces, where a small
// runner (this binary, see runner.go) starts each run as a process of its
// own under the same limits. The runs are kept apart:
//   - the tool gets its inputs as open descriptors (/proc/self/fd/N),
//     never a bound folder, and writes only to its pipes;
//   - after each run the runner kills every process left in the sandbox
//     and empties the only writable folders (/tmp, /dev/shm); the root and
//     /dev are read-only;
//   - the runner cannot be traced or read by a tool (not dumpable, no
//     capabilities); a tool that kills it costs one failed run and a new
//     sandbox;
//   - a run that times out, overflows its output or is cancelled takes its
//     whole sandbox down, as a sandbox per run would.
//
// TROVE_SANDBOX_REUSE=0 turns reuse off; a runner that fails to start turns
// it off for the rest of the process, and runs fall back to a sandbox each.

const (
	maxIdleRunners = 16
	runnerStartup  = 10 * time.Second
)

var pool struct {
	sync.Mutex
	idle    map[int64][]*runner // by memory limit
	off     bool
	env     sync.Once
	started atomic.Int64
	runs    atomic.Int64
}

// PoolStats reports how many reusable sandboxes were started and how many
// runs went through them, for tests and benchmarks.
func PoolStats() (started, runs int64) { return pool.started.Load(), pool.runs.Load() }

// SetReuse turns sandbox reuse on or off (tests compare both ways).
func SetReuse(on bool) {
	pool.env.Do(func() {})
	pool.Lock()
	pool.off = !on
	idle := pool.idle
	pool.idle = nil
	pool.Unlock()
	for _, rs := range idle {
		for _, r := range rs {
			r.discard()
		}
	}
}

// CheckReuse starts a reusable sandbox and ends it, for `trove doctor`: nil
// when tools will reuse sandboxes, else why not (runs then take a sandbox
// each).
func CheckReuse() error {
	if Sandbox() != IsolationBwrap {
		return fmt.Errorf("no bubblewrap sandbox to reuse (%s)", Sandbox())
	}
	r, err := getRunner(DefaultMemLimit)
	if err != nil {
		return err
	}
	putRunner(r)
	return nil
}

type runner struct {
	mem    int64 // the memory limit the runner applies to its runs
	cmd    *exec.Cmd
	conn   *net.UnixConn
	stderr *tailBuffer // read only after the process has ended
	once   sync.Once
}

func getRunner(mem int64) (*runner, error) {
	pool.env.Do(func() {
		if os.Getenv("TROVE_SANDBOX_REUSE") == "0" {
			pool.off = true
		}
	})
	pool.Lock()
	if pool.off {
		pool.Unlock()
		return nil, errors.New("sandbox reuse is off")
	}
	if rs := pool.idle[mem]; len(rs) > 0 {
		r := rs[len(rs)-1]
		pool.idle[mem] = rs[:len(rs)-1]
		pool.Unlock()
		return r, nil
	}
	pool.Unlock()
	r, err := startRunner(mem)
	if err != nil {
		pool.Lock()
		pool.off = true
		pool.Unlock()
		return nil, err
	}
	pool.started.Add(1)
	return r, nil
}

func putRunner(r *runner) {
	pool.Lock()
	if !pool.off && len(pool.idle[r.mem]) < maxIdleRunners {
		if pool.idle == nil {
			pool.idle = map[int64][]*runner{}
		}
		pool.idle[r.mem] = append(pool.idle[r.mem], r)
		r = nil
	}
	pool.Unlock()
	if r != nil {
		r.discard()
	}
}

// startRunner starts a sandbox with this binary in it as the runner of
// runs limited to mem bytes of address space, and waits for its first
// message.
func startRunner(mem int64) (*runner, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "runner"), os.NewFile(uintptr(fds[1]), "runner")
	defer theirs.Close()
	c, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		return nil, err
	}
	args := append(bwrapArgs(nil, nil, "/"),
		"--tmpfs", "/dev/shm", "--ro-bind", exe, runnerPath,
		"--remount-ro", "/", "--remount-ro", "/dev",
		"--", runnerPath)
	r := &runner{mem: mem, conn: c.(*net.UnixConn), stderr: &tailBuffer{max: maxStderr}}
	r.cmd = exec.Command(bwrapPath, args...)
	r.cmd.Env = []string{runnerEnv + "=1", runnerMemEnv + "=" + strconv.FormatInt(mem, 10)}
	r.cmd.ExtraFiles = []*os.File{theirs} // fd 3 in the runner
	r.cmd.Stderr = r.stderr
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		r.conn.Close()
		return nil, fmt.Errorf("start sandbox: %w", err)
	}
	r.conn.SetReadDeadline(time.Now().Add(runnerStartup))
	buf := make([]byte, len(readyMsg)+1)
	n, err := r.conn.Read(buf)
	r.conn.SetReadDeadline(time.Time{})
	if err != nil || string(buf[:n]) != readyMsg {
		r.discard()
		r.cmd.Wait()
		return nil, fmt.Errorf("sandbox runner did not start: %v: %s", err, r.stderr.String())
	}
	return r, nil
}

// discard ends the runner's sandbox: its process group (bubblewrap) is
// killed, and the sandbox dies with it (--die-with-parent).
func (r *runner) discard() {
	r.once.Do(func() {
		r.conn.Close()
		if p := r.cmd.Process; p != nil {
			syscall.Kill(-p.Pid, syscall.SIGKILL)
			go r.cmd.Wait()
		}
	})
}

// reusable prepares c for a reused sandbox: every Read entry must be a
// regular file named by one or more whole arguments, which are replaced by
// /proc/self/fd/N; nothing is written; the program is in a system folder.
// It returns the arguments and the opened inputs, or ok false.
func reusable(c Cmd, prog string) (args []string, files []*os.File, ok bool) {
	if !c.Reuse || len(c.Write) > 0 || (c.Dir != "" && c.Dir != "/") || !systemPath(prog) {
		return nil, nil, false
	}
	args = slices.Clone(c.Args)
	for _, r := range c.Read {
		abs, err := filepath.Abs(r)
		if err != nil {
			break
		}
		f, err := os.Open(abs)
		if err != nil {
			break
		}
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			f.Close()
			break
		}
		files = append(files, f)
		name, found := "/proc/self/fd/"+strconv.Itoa(2+len(files)), false
		for i, a := range args {
			if a == r || a == abs {
				args[i], found = name, true
			}
		}
		if !found {
			closeAll(files)
			return nil, nil, false
		}
	}
	if len(files) != len(c.Read) {
		closeAll(files)
		return nil, nil, false
	}
	return args, files, true
}

func systemPath(p string) bool {
	for _, d := range []string{"/usr/", "/bin/", "/sbin/"} {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// runReused runs req in a reused sandbox. done is false when no sandbox
// could take the run, before anything of it started: the caller then runs
// it in a sandbox of its own.
func runReused(ctx, runCtx, killCtx context.Context, kill context.CancelCauseFunc, c Cmd, req runRequest, files []*os.File, out *capWriter, errTail *tailBuffer, timeout time.Duration) (err error, done bool) {
	defer closeAll(files)
	r, err := getRunner(req.Mem)
	if err != nil {
		return nil, false
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		putRunner(r)
		return nil, false
	}
	defer outR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		outW.Close()
		putRunner(r)
		return nil, false
	}
	defer errR.Close()
	pass := []*os.File{outW, errW}
	var inW *os.File
	if c.Stdin != nil {
		if f, ok := c.Stdin.(*os.File); ok {
			pass = append(pass, f)
		} else {
			var inR *os.File
			if inR, inW, err = os.Pipe(); err != nil {
				outW.Close()
				errW.Close()
				putRunner(r)
				return nil, false
			}
			defer inR.Close()
			pass = append(pass, inR)
		}
	}
	pass = append(pass, files...)
	req.Env, req.Stdin, req.Files = toolEnv(c), c.Stdin != nil, len(files)
	msg, _ := json.Marshal(req)
	fds := make([]int, len(pass))
	for i, f := range pass {
		fds[i] = int(f.Fd())
	}
	_, _, err = r.conn.WriteMsgUnix(msg, syscall.UnixRights(fds...), nil)
	outW.Close()
	errW.Close()
	if err != nil {
		// An idle runner that has gone: nothing of this run started.
		if inW != nil {
			inW.Close()
		}
		r.discard()
		return nil, false
	}
	pool.runs.Add(1)
	stop := context.AfterFunc(killCtx, r.discard)
	var fed func()
	if inW != nil {
		fed = feed(inW, c.Stdin)
	}
	errDone := make(chan struct{})
	go func() {
		defer close(errDone)
		io.Copy(errTail, errR)
	}()
	_, copyErr := io.Copy(out, outR)
	if copyErr != nil && !out.over && out.err == nil {
		kill(copyErr)
	}
	<-errDone
	if fed != nil {
		fed()
	}
	var reply runReply
	buf := make([]byte, 4096)
	n, readErr := r.conn.Read(buf)
	if readErr == nil {
		readErr = json.Unmarshal(buf[:n], &reply)
	}
	killed := !stop()
	if killed || readErr != nil {
		r.discard()
	} else {
		putRunner(r)
	}
	switch {
	case out.over:
		return fmt.Errorf("%s: %w: output over %d bytes", c.Name, extract.ErrTooLarge, c.MaxOutput), true
	case out.err != nil:
		return fmt.Errorf("%s: write output: %w", c.Name, out.err), true
	case !killed && readErr == nil && reply.Start == "" && reply.Exit == "":
		return nil, true
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", c.Name, context.Cause(ctx)), true
	case runCtx.Err() != nil:
		return fmt.Errorf("%s: %w after %s", c.Name, extract.ErrTimeout, timeout), true
	case killed:
		return fmt.Errorf("%s: %w", c.Name, context.Cause(killCtx)), true
	case readErr != nil:
		// The tool ended the runner (it may signal every process in the
		// sandbox): the file gets the blame, the next run a new sandbox.
		return &extract.ToolError{Tool: c.Name, Err: fmt.Errorf("sandbox ended during the run: %w", extract.ErrCorrupt), Stderr: errTail.String()}, true
	case reply.Start != "":
		return fmt.Errorf("%s: start: %s", c.Name, reply.Start), true
	default:
		return &extract.ToolError{Tool: c.Name, Err: fmt.Errorf("%s: %w", reply.Exit, extract.ErrCorrupt), Stderr: errTail.String()}, true
	}
}
