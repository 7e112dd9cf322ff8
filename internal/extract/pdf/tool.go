package pdf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// run runs pdftotext through package tool (sandboxed, time and memory
// limits, the whole process group killed when ctx ends or stdout fails),
// with input the only file it may read. Poppler's complaints about
// passwords become errPassword and extract.ErrEncrypted.
func (e *Extractor) run(ctx context.Context, args []string, stdout io.Writer, input string) error {
	prog, err := tool.Lookup(toolPdftotext, e.cfg.Pdftotext)
	if err != nil {
		return err
	}
	read := []string{input}
	if !strings.HasPrefix(prog, "/usr/") {
		read = append(read, prog) // a tool given by path: show it in the sandbox
	}
	err = tool.Run(ctx, tool.Cmd{Name: toolPdftotext, Path: prog, Args: args, Stdout: stdout,
		Timeout: e.cfg.Timeout, Read: read, Reuse: true})
	var te *extract.ToolError
	if errors.As(err, &te) {
		if strings.Contains(te.Stderr, "Incorrect password") {
			return fmt.Errorf("%s: %w", toolPdftotext, errPassword)
		}
		if strings.Contains(te.Stderr, "Copying of text from this document is not allowed") {
			// older poppler enforces the copy permission unless given the owner password
			return fmt.Errorf("%s: %w: copying text not permitted", toolPdftotext, extract.ErrEncrypted)
		}
	}
	return err
}

// Check reports pdftotext's path and version for `trove doctor`; Err wraps
// extract.ErrToolMissing when it is not installed.
func (e *Extractor) Check(ctx context.Context) []tool.Status {
	return []tool.Status{tool.Check(ctx, tool.Status{
		Name:     toolPdftotext,
		Formats:  []string{"pdf"},
		Degraded: "PDF files are stored but neither their text nor their metadata is searchable (each recorded as tool_missing)",
		Install:  "apt-get install poppler-utils",
	}, e.cfg.Pdftotext, "-v")} // poppler prints its version on stderr
}
