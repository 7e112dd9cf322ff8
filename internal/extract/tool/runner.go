package tool

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The runner is the process inside a long-lived sandbox that starts tool
// runs on trove's behalf (see pool.go). It is this same binary, started by
// bubblewrap with runnerEnv set: the init below turns the process into the
// runner before main, so every binary that links this package (trove, its
// tests) can serve as one.

const (
	runnerEnv    = "TROVE_TOOL_RUNNER"
	runnerMemEnv = "TROVE_TOOL_RUNNER_MEM" // the memory limit of its runs
	runnerPath   = "/run/trove/runner"     // where the binary is bound in the sandbox
	runnerFD     = 3                       // the socket to trove
	maxRequest   = 1 << 20
	maxFDs       = 64
)

// runRequest is one tool run. The file descriptors arrive with it, in
// this order: stdout, stderr, stdin (when Stdin), then Files inputs,
// which the tool gets as descriptors 3, 4, ...
type runRequest struct {
	Argv []string `json:"argv"` // program path (visible in the sandbox) and arguments
	// Mem is the run's address-space limit. A runner applies the limit of
	// its pool to itself when it starts, and its runs inherit it; where it
	// cannot (a limit below what the runner itself maps), it runs the tool
	// under Limits, the prlimit command, instead.
	Mem    int64    `json:"mem"`
	Limits []string `json:"limits,omitempty"`
	Env    []string `json:"env"`
	Stdin  bool     `json:"stdin"`
	Files  int      `json:"files"`
}

// runReply says how the run ended: Start is set when the program could
// not be started, Exit when it ended other than with status 0 (exec's
// text: "exit status 1", "signal: segmentation fault").
type runReply struct {
	Start string `json:"start,omitempty"`
	Exit  string `json:"exit,omitempty"`
}

// readyMsg is the runner's first message: the sandbox is up.
const readyMsg = "ready"

func init() {
	if os.Getenv(runnerEnv) != "1" {
		return
	}
	mem, _ := strconv.ParseInt(os.Getenv(runnerMemEnv), 10, 64)
	os.Unsetenv(runnerEnv)
	os.Unsetenv(runnerMemEnv)
	// The runner ends leftover processes with kill(-1), which is safe only
	// in the sandbox's own PID namespace, where bubblewrap's init is 1
	// and the command it starts is 2.
	if os.Getpid() != 2 {
		fmt.Fprintln(os.Stderr, "trove tool runner: not in a sandbox of its own")
		os.Exit(1)
	}
	if err := serveRunner(mem); err != nil {
		fmt.Fprintln(os.Stderr, "trove tool runner:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveRunner answers requests until trove closes the socket.
func serveRunner(mem int64) error {
	// No tool may trace this process or read its memory: runs share the
	// sandbox with it, one after another.
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0); e != 0 {
		return fmt.Errorf("prctl: %w", e)
	}
	limited := limitSelf(mem)
	f := os.NewFile(runnerFD, "trove")
	c, err := net.FileConn(f) // a close-on-exec duplicate
	f.Close()
	if err != nil {
		return err
	}
	conn, ok := c.(*net.UnixConn)
	if !ok {
		return errors.New("fd 3 is not a unix socket")
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(readyMsg)); err != nil {
		return err
	}
	buf := make([]byte, maxRequest)
	oob := make([]byte, syscall.CmsgSpace(maxFDs*4))
	for {
		n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
		if err != nil || n == 0 {
			return nil // trove has gone
		}
		files, err := receivedFiles(oob[:oobn])
		if err != nil {
			return err
		}
		var req runRequest
		var reply runReply
		if err := json.Unmarshal(buf[:n], &req); err != nil || len(req.Argv) == 0 || len(files) != 2+req.Files+btoi(req.Stdin) {
			reply.Start = "bad request"
		} else {
			if !limited || req.Mem != mem {
				req.Argv = append(req.Limits[:len(req.Limits):len(req.Limits)], req.Argv...)
			}
			reply = runOne(req, files)
		}
		for _, f := range files {
			f.Close()
		}
		// Whatever the run left behind goes before the next one: every
		// other process in the sandbox's PID namespace (all but its
		// init and this one), and every file in the writable folders.
		syscall.Kill(-1, syscall.SIGKILL)
		for _, d := range []string{"/tmp", "/dev/shm"} {
			if entries, err := os.ReadDir(d); err == nil {
				for _, e := range entries {
					os.RemoveAll(filepath.Join(d, e.Name()))
				}
			}
		}
		b, _ := json.Marshal(reply)
		if _, err := conn.Write(b); err != nil {
			return nil
		}
	}
}

// limitSelf sets the runner's own address-space limit (soft and hard, so
// no run can raise it) to mem, and no core dumps, when its mappings leave
// room under mem for its own needs: a Go program maps about 1 GB at start.
func limitSelf(mem int64) bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil || mem <= 0 {
		return false
	}
	var size int64 // kB
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmSize:" {
			size, _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	if size == 0 || size<<10+runnerHeadroom > mem {
		return false
	}
	if syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{}) != nil {
		return false
	}
	return syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: uint64(mem), Max: uint64(mem)}) == nil
}

// runnerHeadroom is the room a runner keeps under its limit for itself.
const runnerHeadroom = 256 << 20

// runOne runs one tool and waits for it.
func runOne(req runRequest, files []*os.File) runReply {
	cmd := &exec.Cmd{Path: req.Argv[0], Args: req.Argv, Env: req.Env, Dir: "/",
		Stdout: files[0], Stderr: files[1]}
	rest := files[2:]
	if req.Stdin {
		cmd.Stdin, rest = rest[0], rest[1:]
	}
	cmd.ExtraFiles = rest
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return runReply{Start: err.Error()}
	}
	// The tool holds the pipes now: trove sees their end when it exits.
	for _, f := range files {
		f.Close()
	}
	if err := cmd.Wait(); err != nil {
		return runReply{Exit: err.Error()}
	}
	return runReply{}
}

func receivedFiles(oob []byte) ([]*os.File, error) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("control message: %w", err)
	}
	var files []*os.File
	for _, m := range msgs {
		fds, err := syscall.ParseUnixRights(&m)
		if err != nil {
			return nil, fmt.Errorf("control message: %w", err)
		}
		for _, fd := range fds {
			syscall.CloseOnExec(fd)
			files = append(files, os.NewFile(uintptr(fd), "passed"))
		}
	}
	return files, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
