package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// toolReport is one external tool as `trove doctor` sees it.
type toolReport struct {
	Name     string   `json:"name"`
	Path     string   `json:"path,omitempty"`
	Version  string   `json:"version,omitempty"`
	OK       bool     `json:"ok"`
	Error    string   `json:"error,omitempty"`
	Formats  []string `json:"formats"`
	Degraded string   `json:"without_it"`
	Install  string   `json:"install"`
}

func cmdDoctor(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "doctor", "doctor [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	var reports []toolReport
	for _, st := range toolStatus(ctx) {
		r := toolReport{Name: st.Name, Path: st.Path, Version: st.Version, OK: st.Err == nil,
			Formats: st.Formats, Degraded: st.Degraded, Install: st.Install}
		if st.Err != nil {
			r.Error = st.Err.Error()
		}
		reports = append(reports, r)
	}
	missing := 0
	for _, r := range reports {
		if !r.OK {
			missing++
		}
	}
	reg, err := registry(m, extractOptions{})
	if err != nil {
		return err
	}
	var builtin []string
	for _, e := range reg.Extractors() {
		builtin = append(builtin, e.Name())
	}
	reuse := "yes"
	if err := tool.CheckReuse(); err != nil {
		reuse = err.Error()
	}
	if *asJSON {
		return writeJSON(m.Stdout, map[string]any{"tools": reports, "extractors": builtin, "sandbox": tool.Sandbox(), "sandbox_reuse": reuse, "ok": missing == 0})
	}
	for _, r := range reports {
		if r.OK {
			fmt.Fprintf(m.Stdout, "ok       %-12s %-8s %s\n", r.Name, r.Version, r.Path)
		} else {
			fmt.Fprintf(m.Stdout, "MISSING  %-12s %s\n         without it: %s\n         install: %s\n", r.Name, r.Error, r.Degraded, r.Install)
		}
	}
	sandbox := "external tools run with time, memory and output limits"
	switch tool.Sandbox() {
	case tool.IsolationBwrap:
		sandbox += ", no network and a private read-only view of the system (bubblewrap)"
		if reuse == "yes" {
			sandbox += "; sandboxes reused between runs of single-file tools"
		} else {
			sandbox += "; a sandbox set up per run (not reused: " + reuse + ")"
		}
	case tool.IsolationUnshare:
		sandbox += " and no network; install bubblewrap for a private file-system view"
	default:
		sandbox += " only: install bubblewrap (apt-get install bubblewrap) to isolate them"
	}
	fmt.Fprintf(m.Stdout, "sandbox: %s\n", sandbox)
	fmt.Fprintf(m.Stdout, "built in: %s\n", strings.Join(builtin, ", "))
	if missing > 0 {
		return fmt.Errorf("doctor: %d external tool(s) missing: %w", missing, extract.ErrToolMissing)
	}
	return nil
}
