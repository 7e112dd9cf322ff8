// Command trove is the archive for leaked material: ingest a leak into a
// content-addressed store, extract and index it, search and read it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

func main() {
	// TROVE_CPUPROFILE=FILE writes a CPU profile, for benchmarks.
	if p := os.Getenv("TROVE_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil && pprof.StartCPUProfile(f) == nil {
			code := realMain()
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
	}
	code := realMain()
	// TROVE_MEMSTATS=1 prints where memory went, for benchmarks.
	if os.Getenv("TROVE_MEMSTATS") != "" {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		used, high := sqlite.Memory()
		fmt.Fprintf(os.Stderr, "memstats: go heap in use %d MB (system %d MB); sqlite now %d MB, peak %d MB\n",
			ms.HeapInuse>>20, ms.Sys>>20, used>>20, high>>20)
	}
	os.Exit(code)
}

func realMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	stop()
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return m.exit(err)
}

// Main is the program, reused by end-to-end tests.
type Main struct {
	Config Config
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader

	app *app
}

// NewMain returns a Main writing to the process's standard streams.
func NewMain() *Main {
	return &Main{Config: DefaultConfig(), Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin}
}

// Close releases what Run opened.
func (m *Main) Close() error {
	if m.app != nil {
		err := m.app.Close()
		m.app = nil
		return err
	}
	return nil
}

type command struct {
	name  string
	usage string
	run   func(ctx context.Context, m *Main, args []string) error
}

func commands() []command {
	return []command{
		{"dataset", "create, list and show datasets", cmdDataset},
		{"ingest", "ingest files, folders, archives and mailboxes into a dataset", cmdIngest},
		{"ocr", "add OCR to a dataset ingested with --no-ocr (or in other languages)", cmdOCR},
		{"search", "search the archive", cmdSearch},
		{"countries", "list the country table; detect the countries of a dataset's documents", cmdCountries},
		{"show", "show an item's metadata, parents and children", cmdShow},
		{"text", "print an item's extracted text", cmdText},
		{"cat", "write an item's original bytes (verified)", cmdCat},
		{"serve", "serve the web interface, the API, downloads and torrents over HTTP", cmdServe},
		{"release", "freeze a dataset into a signed release (manifest, torrent)", cmdRelease},
		{"releases", "list releases", cmdReleases},
		{"verify-release", "check a release folder or a mirror's release against the archive key", cmdVerifyRelease},
		{"mirror", "follow other archives, sync their releases, announce mirrors", cmdMirror},
		{"key", "print the archive's public signing key", cmdKey},
		{"user", "add users, set roles and passwords, grant and revoke access", cmdUser},
		{"token", "create, list and revoke read-only API tokens", cmdToken},
		{"audit", "list the audit log and verify its hash chain", cmdAudit},
		{"check", "verify every blob and cross-check store, catalog and index; --repair", cmdCheck},
		{"verify", "DKIM-check a dataset and print its plausibility report; record verdicts", cmdVerify},
		{"dkim", "check the DKIM signatures of loose .eml/.mbox files (no ingest)", cmdDKIM},
		{"doctor", "check the external tools trove uses", cmdDoctor},
		{"version", "print the version", cmdVersion},
	}
}

func (m *Main) usage() {
	fmt.Fprintf(m.Stderr, "trove: an archive for leaked material\n\nUsage: trove [--data DIR] COMMAND [ARGS]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(m.Stderr, "  %-14s %s\n", c.name, c.usage)
	}
	fmt.Fprintf(m.Stderr, "\nGlobal flags:\n  --data DIR   where the catalog and blobs live (env TROVE_DATA; default %s)\n\nRun 'trove COMMAND -h' for a command's flags. Query language: docs/query.md.\n", DefaultConfig().DataDir)
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Run parses global flags and runs one command.
func (m *Main) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("trove", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = m.usage
	fs.StringVar(&m.Config.DataDir, "data", m.Config.DataDir, "data folder")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &usageError{err.Error()}
	}
	if err := m.Config.Validate(); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		m.usage()
		return usagef("no command given")
	}
	for _, c := range commands() {
		if c.name == rest[0] {
			return c.run(ctx, m, rest[1:])
		}
	}
	m.usage()
	return usagef("unknown command %q", rest[0])
}

// exit maps an error to the process exit code and prints it, in one place:
// 0 ok, 1 internal or I/O error, 2 usage or invalid input, 3 not found,
// 4 conflict, 130 interrupted.
func (m *Main) exit(err error) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	var ec interface{ ExitCode() int }
	switch {
	case err == errHelp:
		return 0 // the command printed its usage
	case errors.As(err, &ec): // a command with its own exit statuses (check)
		if msg := err.Error(); msg != "" {
			fmt.Fprintf(m.Stderr, "trove: %s\n", msg)
		}
		return ec.ExitCode()
	case errors.As(err, &ue):
		fmt.Fprintf(m.Stderr, "trove: %s\n", ue.msg)
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(m.Stderr, "trove: interrupted; run the same command again to resume")
		return 130
	}
	fmt.Fprintf(m.Stderr, "trove: %s\n", errText(err))
	switch archive.ErrorCode(err) {
	case archive.EInvalid:
		return 2
	case archive.ENotFound:
		return 3
	case archive.EConflict:
		return 4
	}
	return 1
}

// errText is what the CLI prints: the operator runs the CLI on the archive
// machine, so internal errors are shown in full (unlike over HTTP).
func errText(err error) string {
	var e *archive.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
