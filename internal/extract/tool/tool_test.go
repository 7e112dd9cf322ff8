package tool_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

func TestRunOutput(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.txt")
	os.WriteFile(in, []byte("hello from a file\n"), 0o644)
	var out bytes.Buffer
	if err := tool.Run(context.Background(), tool.Cmd{Name: "cat", Args: []string{in}, Read: []string{in}, Stdout: &out}); err != nil {
		t.Fatalf("%v (isolation %s)", err, tool.Sandbox())
	}
	if out.String() != "hello from a file\n" {
		t.Errorf("output %q", out.String())
	}
	out.Reset()
	if err := tool.Run(context.Background(), tool.Cmd{Name: "cat", Stdin: strings.NewReader("piped"), Stdout: &out}); err != nil || out.String() != "piped" {
		t.Errorf("stdin: %q %v", out.String(), err)
	}
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
	w := &slowWriter{pause: 2500 * time.Millisecond}
	// 48,894 bytes: all in the pipe (64 KiB) at once, so that the tool
	// has exited while the reader is still paused.
	if err := tool.Run(context.Background(), tool.Cmd{Name: "seq", Args: []string{"1", "10000"}, Stdout: w}); err != nil {
		t.Fatalf("slow reader: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(w.buf.String()), "\n")
	if len(lines) != 10000 || lines[len(lines)-1] != "10000" {
		t.Errorf("got %d lines, last %q", len(lines), lines[len(lines)-1])
	}
}

func TestRunFailures(t *testing.T) {
	ctx := context.Background()
	if err := tool.Run(ctx, tool.Cmd{Name: "trove-no-such-tool"}); !errors.Is(err, extract.ErrToolMissing) {
		t.Errorf("missing tool: %v", err)
	}
	start := time.Now()
	err := tool.Run(ctx, tool.Cmd{Name: "sleep", Args: []string{"30"}, Timeout: 300 * time.Millisecond})
	if !errors.Is(err, extract.ErrTimeout) || extract.Reason(err) != "timeout" {
		t.Errorf("hung tool: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("hung tool took %v to stop", d)
	}
	err = tool.Run(ctx, tool.Cmd{Name: "yes", Stdout: &bytes.Buffer{}, MaxOutput: 1 << 20})
	if !errors.Is(err, extract.ErrTooLarge) {
		t.Errorf("endless output: %v", err)
	}
	var te *extract.ToolError
	err = tool.Run(ctx, tool.Cmd{Name: "sh", Args: []string{"-c", "echo broken input >&2; exit 3"}})
	if !errors.As(err, &te) || !strings.Contains(te.Stderr, "broken input") || extract.Reason(err) != "corrupt" {
		t.Errorf("failing tool: %v", err)
	}
	// The memory limit: a tool asking for 1 GiB with a 256 MiB limit fails.
	if _, e := os.Stat("/usr/bin/prlimit"); e == nil {
		err = tool.Run(ctx, tool.Cmd{Name: "python3", Args: []string{"-c", "b = bytearray(1 << 30)"}, MemLimit: 256 << 20})
		if err == nil {
			t.Errorf("1 GiB allocation under a 256 MiB limit succeeded")
		}
	}
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
	ctx := context.Background()
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret.key")
	os.WriteFile(secret, []byte("archive key"), 0o600)
	var out bytes.Buffer
	err := tool.Run(ctx, tool.Cmd{Name: "cat", Args: []string{secret}, Stdout: &out})
	if err == nil || strings.Contains(out.String(), "archive key") {
		t.Errorf("tool read a file it was not given: %q %v", out.String(), err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	err = tool.Run(ctx, tool.Cmd{Name: "bash", Args: []string{"-c", "echo x > /dev/tcp/127.0.0.1/" + itoa(port)}, Timeout: 5 * time.Second})
	if err == nil {
		t.Errorf("tool reached the network")
	}
	// A writable folder works; the rest of the file system is read-only.
	w := t.TempDir()
	if err := tool.Run(ctx, tool.Cmd{Name: "sh", Args: []string{"-c", "echo ok > " + w + "/out"}, Write: []string{w}}); err != nil {
		t.Errorf("write to the given folder: %v", err)
	}
	if err := tool.Run(ctx, tool.Cmd{Name: "sh", Args: []string{"-c", "echo no > /usr/trove-test"}}); err == nil {
		t.Errorf("tool wrote to /usr")
	}
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
