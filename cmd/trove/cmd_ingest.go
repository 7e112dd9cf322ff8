package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/ingest"
	"github.com/trove-archive/trove/internal/sqlite"
)

func cmdIngest(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "ingest", "ingest DATASET PATH... [flags]\n\n"+
		"PATH: folders (their contents land at the dataset's root), files, archives, mailboxes; containers are\n"+
		"opened recursively. Multi-volume archives (NAME.part1.rar, NAME.rar + NAME.r00, NAME.7z.001, ...) are\n"+
		"read across their volumes when these are in the same folder or given together. Running the same\n"+
		"command again after an interruption finishes the job: nothing lost, nothing doubled.")
	workers := fs.Int("workers", 0, "parallel extractions (default: 2 per core)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	quiet := fs.Bool("quiet", false, "no progress output")
	passFile := fs.String("passwords", "", "file with one password per line, tried on encrypted archives and PDFs")
	maxDepth := fs.Int("max-depth", 16, "nesting limit for archives within archives")
	noOCR := fs.Bool("no-ocr", false, "do not OCR images and scanned PDF pages (add it later with: trove ocr DATASET)")
	ocrLang := fs.String("ocr-lang", "", "tesseract languages, comma-separated (default: the dataset's setting, else English plus its countries' languages)")
	timeout := fs.Duration("timeout", 10*time.Minute, "time limit for extracting one file")
	var exclude stringList
	fs.Var(&exclude, "exclude", "skip files and folders whose name matches this glob (repeatable), e.g. --exclude .truth")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usagef("ingest: want DATASET and at least one PATH")
	}
	a, err := m.open()
	if err != nil {
		return err
	}
	ds, err := a.db.Dataset(ctx, archive.Admin(), pos[0])
	if err != nil {
		if archive.ErrorCode(err) == archive.ENotFound {
			return archive.Errorf(archive.ENotFound, "dataset %q not found; create it with: trove dataset create %s", pos[0], pos[0])
		}
		return err
	}
	opts := ingest.Options{Workers: *workers, MaxDepth: *maxDepth, Timeout: *timeout, Exclude: exclude}
	if *passFile != "" {
		if opts.Passwords, err = readLines(*passFile); err != nil {
			return err
		}
	}
	if !*quiet {
		opts.Progress = progress(m)
	}
	reg, err := registry(m, extractOptions{OCR: !*noOCR, Langs: ocrLanguages(ds, splitList(*ocrLang))})
	if err != nil {
		return err
	}
	ing := ingest.New(a.db, a.store, reg, opts)
	s, err := ing.Run(ctx, ds, pos[1:])
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(m.Stdout, s)
	}
	printSummary(m, ds.Slug, s)
	return nil
}

func printSummary(m *Main, slug string, s *ingest.Stats) {
	w := m.Stdout
	fmt.Fprintf(w, "ingested into %s in %s\n", slug, s.Elapsed.Round(10*time.Millisecond))
	fmt.Fprintf(w, "  files:      %d (%s)\n", s.Files, archive.HumanBytes(s.FileBytes))
	fmt.Fprintf(w, "  items:      %d seen, %d new, %d duplicate, %d unchanged\n", s.Items, s.New, s.Duplicate, s.Unchanged)
	fmt.Fprintf(w, "  failed:     %d", s.Failed)
	for _, r := range ingest.Reasons(s.FailedBy) {
		fmt.Fprintf(w, "  %s=%d", r, s.FailedBy[r])
	}
	fmt.Fprintln(w)
	if s.MembersLost > 0 {
		fmt.Fprintf(w, "  unreadable members: %d", s.MembersLost)
		for _, r := range ingest.Reasons(s.MembersBy) {
			fmt.Fprintf(w, "  %s=%d", r, s.MembersBy[r])
		}
		fmt.Fprintln(w)
	}
	if s.WalkErrors > 0 || s.Special > 0 {
		fmt.Fprintf(w, "  unreadable files: %d, special files skipped: %d\n", s.WalkErrors, s.Special)
	}
	if secs := s.Elapsed.Seconds(); secs > 0 {
		fmt.Fprintf(w, "  rate:       %.1f files/s, %s/s\n", float64(s.Files)/secs, archive.HumanBytes(int64(float64(s.FileBytes)/secs)))
	}
	if s.Failed > 0 {
		fmt.Fprintf(w, "  see: trove dataset show %s\n", slug)
	}
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, archive.Errorf(archive.EInvalid, "passwords file: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimRight(sc.Text(), "\r"); l != "" {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// splitList splits a comma-separated flag value, dropping empty parts.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// cmdOCR adds OCR to a dataset ingested without it (or in other
// languages): images and PDFs not yet read by OCR are extracted again.
func cmdOCR(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "ocr", "ocr DATASET [--ocr-lang eng,deu] [--again] [--json]")
	ocrLang := fs.String("ocr-lang", "", "tesseract languages, comma-separated (default: the dataset's setting, else English plus its countries' languages)")
	again := fs.Bool("again", false, "also read again what OCR already read (e.g. in other languages)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	quiet := fs.Bool("quiet", false, "no progress output")
	pos, a, err := m.operands(fs, args, 1, "exactly one DATASET")
	if err != nil {
		return err
	}
	ds, err := a.db.Dataset(ctx, archive.Admin(), pos[0])
	if err != nil {
		return err
	}
	reg, err := registry(m, extractOptions{OCR: true, Langs: ocrLanguages(ds, splitList(*ocrLang))})
	if err != nil {
		return err
	}
	opts := ingest.Options{}
	if !*quiet {
		opts.Progress = progress(m)
	}
	want := func(b *sqlite.DatasetBlob) bool {
		if *again {
			return true
		}
		_, done := b.Meta.Extra["ocr"]
		_, pages := b.Meta.Extra["ocr_pages"]
		return !done && !pages
	}
	s, err := ingest.New(a.db, a.store, reg, opts).Reextract(ctx, ds, []archive.Kind{archive.KindImage, archive.KindPDF}, want)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(m.Stdout, s)
	}
	printSummary(m, ds.Slug, s)
	return nil
}

// progress is a bar on a terminal, else a log line every 5 seconds.
func progress(m *Main) ingest.Progress {
	if isTerminal(m.Stderr) {
		return ingest.Bar{W: m.Stderr}
	}
	return ingest.NewLog(m.Stderr, 5*time.Second)
}
