package tool

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/extract"
)

// Status is one external tool as `trove doctor` reports it.
type Status struct {
	Name     string   // e.g. "tesseract"
	Path     string   // where it was found; "" when missing
	Version  string   // as the tool reports it; "" when unknown
	Err      error    // nil when usable; wraps extract.ErrToolMissing when absent
	Formats  []string // what it reads, e.g. ["png", "jpeg", "scanned pdf"]
	Degraded string   // what is lost without it
	Install  string   // e.g. "apt-get install tesseract-ocr"
}

var versionRE = regexp.MustCompile(`(?i)(?:version\s+|v)?([0-9]+\.[0-9]+(?:\.[0-9]+)?[0-9A-Za-z.\-]*)`)

// Check finds a tool and runs it with versionArgs (e.g. "--version") to
// read its version from the first line that has one. A tool that is found
// but prints no version is still usable.
func Check(ctx context.Context, st Status, path string, versionArgs ...string) Status {
	p, err := Lookup(st.Name, path)
	if err != nil {
		st.Err = err
		return st
	}
	st.Path = p
	if len(versionArgs) == 0 {
		return st
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var buf bytes.Buffer
	cmd := exec.CommandContext(cctx, p, versionArgs...)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.WaitDelay = waitDelay
	_ = cmd.Run() // some tools exit non-zero after printing their version
	for _, line := range strings.Split(buf.String(), "\n") {
		if m := versionRE.FindStringSubmatch(line); m != nil {
			st.Version = m[1]
			break
		}
	}
	if cctx.Err() != nil {
		st.Err = fmt.Errorf("%s: %w: version check hung", st.Name, extract.ErrTimeout)
	}
	return st
}
