package tool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// TestMain lets TestReusedSandboxDiesWithTrove run this binary as a trove
// process in the middle of a tool run.
func TestMain(m *testing.M) {
	if os.Getenv("TROVE_TOOL_TEST_CHILD") == "1" {
		err := tool.Run(context.Background(), tool.Cmd{Name: "sleep", Args: []string{"317"}, Reuse: true, Timeout: 10 * time.Minute})
		fmt.Println(err)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestRunOutput(t *testing.T) {
	forModes(t, func(t *testing.T, run runFunc) {
		in := filepath.Join(t.TempDir(), "in.txt")
		os.WriteFile(in, []byte("hello from a file\n"), 0o644)
		var out bytes.Buffer
		if err := run(context.Background(), tool.Cmd{Name: "cat", Args: []string{in}, Read: []string{in}, Stdout: &out}); err != nil {
			t.Fatalf("%v (isolation %s)", err, tool.Sandbox())
		}
		if out.String() != "hello from a file\n" {
			t.Errorf("output %q", out.String())
		}
		out.Reset()
		if err := run(context.Background(), tool.Cmd{Name: "cat", Stdin: strings.NewReader("piped"), Stdout: &out}); err != nil || out.String() != "piped" {
			t.Errorf("stdin: %q %v", out.String(), err)
		}
	})
}

// slowWriter keeps what it is given, pausing once (a sink waiting on the
// catalog writer) after the first write.
type slowWriter struct {
	buf    bytes.Buffer
	paused bool
	pause  time.Duration
}

func (w *slowWriter) Write(p []byte) (int, error) {
	if !w.paused {
		w.paused = true
		time.Sleep(w.pause)
	}
	return w.buf.Write(p)
}

// TestRunSlowReader: a reader of the output that stalls for longer than exec
// would wait after the tool exits still gets every byte, without error
// (the pipe is read to its end before Wait).
func TestRunSlowReader(t *testing.T) {
	forModes(t, func(t *testing.T, run runFunc) {
		w := &slowWriter{pause: 2500 * time.Millisecond}
		// 48,894 bytes: all in the pipe (64 KiB) at once, so that the tool
		// has exited while the reader is still paused.
		if err := run(context.Background(), tool.Cmd{Name: "seq", Args: []string{"1", "10000"}, Stdout: w}); err != nil {
			t.Fatalf("slow reader: %v", err)
		}
		lines := strings.Split(strings.TrimSpace(w.buf.String()), "\n")
		if len(lines) != 10000 || lines[len(lines)-1] != "10000" {
			t.Errorf("got %d lines, last %q", len(lines), lines[len(lines)-1])
		}
	})
}

func TestRunFailures(t *testing.T) {
	forModes(t, func(t *testing.T, run runFunc) {
		ctx := context.Background()
		if err := run(ctx, tool.Cmd{Name: "trove-no-such-tool"}); !errors.Is(err, extract.ErrToolMissing) {
			t.Errorf("missing tool: %v", err)
		}
		start := time.Now()
		err := run(ctx, tool.Cmd{Name: "sleep", Args: []string{"30"}, Timeout: 300 * time.Millisecond})
		if !errors.Is(err, extract.ErrTimeout) || extract.Reason(err) != "timeout" {
			t.Errorf("hung tool: %v", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("hung tool took %v to stop", d)
		}
		err = run(ctx, tool.Cmd{Name: "yes", Stdout: &bytes.Buffer{}, MaxOutput: 1 << 20})
		if !errors.Is(err, extract.ErrTooLarge) {
			t.Errorf("endless output: %v", err)
		}
		var te *extract.ToolError
		err = run(ctx, tool.Cmd{Name: "sh", Args: []string{"-c", "echo broken input >&2; exit 3"}})
		if !errors.As(err, &te) || !strings.Contains(te.Stderr, "broken input") || extract.Reason(err) != "corrupt" {
			t.Errorf("failing tool: %v", err)
		}
		// The memory limit: a tool asking for 1 GiB with a 256 MiB limit fails.
		if _, e := os.Stat("/usr/bin/prlimit"); e == nil {
			err = run(ctx, tool.Cmd{Name: "python3", Args: []string{"-c", "b = bytearray(1 << 30)"}, MemLimit: 256 << 20})
			if err == nil {
				t.Errorf("1 GiB allocation under a 256 MiB limit succeeded")
			}
			// The default limit, which a reused sandbox's runner applies to
			// itself and its runs inherit.
			err = run(ctx, tool.Cmd{Name: "python3", Args: []string{"-c", "b = bytearray(3 << 30)"}})
			if err == nil {
				t.Errorf("3 GiB allocation under the default %d GiB limit succeeded", tool.DefaultMemLimit>>30)
			}
		}
	})
}

// TestSandbox: under bubblewrap a tool sees neither the network nor files
// it was not given.
func TestSandbox(t *testing.T) {
	if tool.Sandbox() != tool.IsolationBwrap {
		if os.Getenv("CI") != "" {
			t.Fatalf("isolation %s: scripts/test.sh installs bubblewrap", tool.Sandbox())
		}
		t.Skipf("isolation %s: apt-get install bubblewrap", tool.Sandbox())
	}
	forModes(t, func(t *testing.T, run runFunc) {
		ctx := context.Background()
		dir := t.TempDir()
		secret := filepath.Join(dir, "secret.key")
		os.WriteFile(secret, []byte("archive key"), 0o600)
		var out bytes.Buffer
		err := run(ctx, tool.Cmd{Name: "cat", Args: []string{secret}, Stdout: &out})
		if err == nil || strings.Contains(out.String(), "archive key") {
			t.Errorf("tool read a file it was not given: %q %v", out.String(), err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port := ln.Addr().(*net.TCPAddr).Port
		err = run(ctx, tool.Cmd{Name: "bash", Args: []string{"-c", "echo x > /dev/tcp/127.0.0.1/" + itoa(port)}, Timeout: time.Minute})
		if err == nil {
			t.Errorf("tool reached the network")
		}
		// A writable folder works; the rest of the file system is read-only.
		w := t.TempDir()
		if err := run(ctx, tool.Cmd{Name: "sh", Args: []string{"-c", "echo ok > " + w + "/out"}, Write: []string{w}}); err != nil {
			t.Errorf("write to the given folder: %v", err)
		}
		if err := run(ctx, tool.Cmd{Name: "sh", Args: []string{"-c", "echo no > /usr/trove-test"}}); err == nil {
			t.Errorf("tool wrote to /usr")
		}
	})
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

type runFunc func(context.Context, tool.Cmd) error

// forModes runs f with sandboxes set up per run and, where bubblewrap
// works, with reused sandboxes.
func forModes(t *testing.T, f func(t *testing.T, run runFunc)) {
	t.Run("per-run", func(t *testing.T) { f(t, tool.Run) })
	t.Run("reused", func(t *testing.T) {
		if tool.Sandbox() != tool.IsolationBwrap {
			t.Skipf("isolation %s: no sandbox to reuse", tool.Sandbox())
		}
		_, before := tool.PoolStats()
		f(t, func(ctx context.Context, c tool.Cmd) error {
			c.Reuse = true
			return tool.Run(ctx, c)
		})
		if _, after := tool.PoolStats(); after == before {
			t.Errorf("no run went through a reused sandbox")
		}
	})
}

// TestReuseKeepsRunsApart: what one run leaves in a reused sandbox (files,
// processes) is gone before the next, the runner cannot be read by a
// tool, and a tool that kills the runner costs one failed run.
func TestReuseKeepsRunsApart(t *testing.T) {
	if tool.Sandbox() != tool.IsolationBwrap {
		t.Skipf("isolation %s: no sandbox to reuse", tool.Sandbox())
	}
	ctx := context.Background()
	sh := func(script string) (string, error) {
		var out bytes.Buffer
		err := tool.Run(ctx, tool.Cmd{Name: "sh", Args: []string{"-c", script}, Stdout: &out, Reuse: true, Timeout: time.Minute})
		return out.String(), err
	}
	started0, runs0 := tool.PoolStats()
	begin := time.Now()
	out, err := sh("echo left > /tmp/left; echo left > /dev/shm/left; sleep 300 & echo started")
	if err != nil || out != "started\n" {
		t.Fatalf("first run: %q %v", out, err)
	}
	if d := time.Since(begin); d > 30*time.Second {
		t.Errorf("a run waited %v for the process it left behind", d)
	}
	out, err = sh(`ls -A /tmp /dev/shm; for p in /proc/[0-9]*; do tr '\0' ' ' < $p/cmdline; echo; done | grep -c '^sleep 300' || true`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "left") || !strings.HasSuffix(out, "\n0\n") {
		t.Errorf("the second run found what the first left behind:\n%s", out)
	}
	if out, err := sh("cat /proc/2/maps /proc/2/environ"); err == nil || out != "" {
		t.Errorf("a tool read the runner's memory map: %q %v", out, err)
	}
	if out, err := sh("echo x > /trove-test; echo x > /dev/trove-test"); err == nil {
		t.Errorf("a tool wrote outside /tmp: %q", out)
	}
	started, runs := tool.PoolStats()
	if runs-runs0 != 4 || started-started0 > 1 {
		t.Errorf("4 runs took %d reused sandboxes and %d new ones", runs-runs0, started-started0)
	}
	var te *extract.ToolError
	if _, err := sh("kill -9 -1; sleep 5"); !errors.As(err, &te) {
		t.Errorf("a tool that killed the runner: %v", err)
	}
	if out, err := sh("echo ok"); err != nil || out != "ok\n" {
		t.Errorf("the run after a killed runner: %q %v", out, err)
	}
}

// TestReusedSandboxDiesWithTrove: when trove is killed in the middle of a
// tool run, the reused sandbox and the tool in it go too.
func TestReusedSandboxDiesWithTrove(t *testing.T) {
	if tool.Sandbox() != tool.IsolationBwrap {
		t.Skipf("isolation %s: no sandbox to reuse", tool.Sandbox())
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "TROVE_TOOL_TEST_CHILD=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The tool's own PID namespace hides nothing from this one.
	sleeping := func() int {
		n := 0
		dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, d := range dirs {
			if b, err := os.ReadFile(d); err == nil && strings.HasSuffix(string(b), "sleep\x00317\x00") {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(30 * time.Second)
	for sleeping() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if sleeping() == 0 {
		cmd.Process.Kill()
		t.Fatal("the tool never started")
	}
	cmd.Process.Kill()
	cmd.Wait()
	deadline = time.Now().Add(20 * time.Second)
	for sleeping() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := sleeping(); n > 0 {
		t.Errorf("%d tool processes outlived the killed trove", n)
	}
}

// blockingReader gives a few bytes, then blocks until released.
type blockingReader struct {
	sent    bool
	release chan struct{}
}

func (r *blockingReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, "head\n"), nil
	}
	<-r.release
	return 0, io.EOF
}

// TestRunStdinBlocks: a Stdin that blocks in Read does not hold a run
// whose tool has ended.
func TestRunStdinBlocks(t *testing.T) {
	forModes(t, func(t *testing.T, run runFunc) {
		in := &blockingReader{release: make(chan struct{})}
		defer close(in.release)
		var out bytes.Buffer
		done := make(chan error, 1)
		go func() {
			done <- run(context.Background(), tool.Cmd{Name: "head", Args: []string{"-n", "1"}, Stdin: in, Stdout: &out})
		}()
		select {
		case err := <-done:
			if err != nil || out.String() != "head\n" {
				t.Errorf("got %q, %v", out.String(), err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("the run waited for its Stdin after the tool ended")
		}
	})
}
