package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func cmdDataset(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usagef("dataset: want create, list, show or set")
	}
	switch args[0] {
	case "create":
		return datasetCreate(ctx, m, args[1:])
	case "list":
		return datasetList(ctx, m, args[1:])
	case "show":
		return datasetShow(ctx, m, args[1:])
	case "set":
		return datasetSet(ctx, m, args[1:])
	}
	return usagef("dataset: unknown subcommand %q (want create, list, show or set)", args[0])
}

func newFlags(m *Main, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "Usage: trove %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags that may come before or after positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, errHelp
			}
			return nil, usagef("%s", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

var errHelp = &usageError{"help requested"}

// operands parses flags and positional arguments (in any order), checks
// that there are exactly n operands (want says which, for the error), and
// opens the data folder.
func (m *Main) operands(fs *flag.FlagSet, args []string, n int, want string) ([]string, *app, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if len(pos) != n {
		return nil, nil, usagef("%s: want %s", fs.Name(), want)
	}
	a, err := m.open()
	if err != nil {
		return nil, nil, err
	}
	return pos, a, nil
}

func datasetCreate(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "dataset create", "dataset create SLUG [--title T] [--country CC]... [--level private|limited|public]")
	title := fs.String("title", "", "title")
	desc := fs.String("description", "", "description")
	source := fs.String("source", "", "source note")
	level := fs.String("level", "private", "release level: private, limited or public")
	var countries stringList
	fs.Var(&countries, "country", "ISO 3166-1 alpha-2 country code (repeat, or comma-separated)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, a, err := m.operands(fs, args, 1, "exactly one SLUG")
	if err != nil {
		return err
	}
	ds := &archive.Dataset{Slug: pos[0], Title: *title, Description: *desc, Source: *source,
		Level: archive.ReleaseLevel(*level), Countries: countries}
	if ds.Title == "" {
		ds.Title = ds.Slug
	}
	if err := a.db.CreateDataset(ctx, ds); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(m.Stdout, datasetJSON(ds, nil, nil))
	}
	fmt.Fprintf(m.Stdout, "created dataset %s (%s)\n", ds.Slug, ds.Level)
	return nil
}

// datasetSet changes a dataset's editable fields: only the flags given.
func datasetSet(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "dataset set", "dataset set SLUG [--level L] [--embargo YYYY-MM-DD[THH:MM:SSZ] | --embargo none] [--title T] [--description D] [--source S] [--country CC]... [--ocr-lang eng,deu | --ocr-lang auto]")
	level := fs.String("level", "", "release level: private, limited or public")
	ocrLang := fs.String("ocr-lang", "", "tesseract languages for OCR, comma-separated (auto: English plus the countries' languages)")
	embargo := fs.String("embargo", "", "publish automatically at this time (UTC), or none to clear")
	title := fs.String("title", "", "title")
	desc := fs.String("description", "", "description")
	source := fs.String("source", "", "source note")
	var countries stringList
	fs.Var(&countries, "country", "replace the countries (repeat, or comma-separated)")
	pos, a, err := m.operands(fs, args, 1, "exactly one SLUG")
	if err != nil {
		return err
	}
	ds, err := a.db.Dataset(ctx, archive.Admin(), pos[0])
	if err != nil {
		return err
	}
	before := ds.Level
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["level"] {
		ds.Level = archive.ReleaseLevel(*level)
	}
	if set["title"] {
		ds.Title = *title
	}
	if set["description"] {
		ds.Description = *desc
	}
	if set["source"] {
		ds.Source = *source
	}
	if set["country"] {
		ds.Countries = countries
	}
	if set["ocr-lang"] {
		ds.OCRLangs = nil
		if *ocrLang != "auto" {
			for _, l := range strings.Split(*ocrLang, ",") {
				if l = strings.TrimSpace(l); l != "" {
					ds.OCRLangs = append(ds.OCRLangs, l)
				}
			}
		}
	}
	if set["embargo"] {
		switch *embargo {
		case "none", "":
			ds.Embargo = time.Time{}
		default:
			t, err := parseWhen(*embargo)
			if err != nil {
				return err
			}
			ds.Embargo = t
		}
	}
	if err := a.db.UpdateDataset(ctx, ds); err != nil {
		return err
	}
	if ds.Level != before {
		e := &archive.AuditEntry{Time: time.Now().UTC(), User: "cli", Action: archive.AuditLevel, DatasetID: ds.ID,
			Detail: fmt.Sprintf("%s -> %s", before, ds.Level)}
		if err := a.db.Record(ctx, e); err != nil {
			return err
		}
	}
	fmt.Fprintf(m.Stdout, "updated dataset %s (%s)", ds.Slug, ds.Level)
	if !ds.Embargo.IsZero() {
		fmt.Fprintf(m.Stdout, "; public from %s", ds.Embargo.Format(time.RFC3339))
	}
	fmt.Fprintln(m.Stdout)
	return nil
}

// parseWhen reads a date (midnight UTC) or an RFC 3339 time.
func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, archive.Errorf(archive.EInvalid, "time %q: want YYYY-MM-DD or an RFC 3339 time such as 2027-01-01T09:00:00Z", s)
}

func datasetList(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "dataset list", "dataset list [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	a, err := m.open()
	if err != nil {
		return err
	}
	list, err := a.db.Datasets(ctx, archive.Admin())
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]any, 0, len(list))
		for _, ds := range list {
			out = append(out, datasetJSON(ds, nil, nil))
		}
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tLEVEL\tCOUNTRIES\tITEMS\tSIZE\tFAILED\tTITLE")
	for _, ds := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", ds.Slug, ds.Level, strings.Join(ds.Countries, ","), ds.Items,
			archive.HumanBytes(ds.Bytes), ds.Failed, ds.Title)
	}
	return tw.Flush()
}

func datasetShow(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "dataset show", "dataset show SLUG [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, a, err := m.operands(fs, args, 1, "exactly one SLUG")
	if err != nil {
		return err
	}
	p := archive.Admin()
	ds, err := a.db.Dataset(ctx, p, pos[0])
	if err != nil {
		return err
	}
	types, err := a.db.TypeCounts(ctx, p, ds.ID)
	if err != nil {
		return err
	}
	fails, err := a.db.FailureCounts(ctx, p, ds.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(m.Stdout, datasetJSON(ds, types, fails))
	}
	fmt.Fprintf(m.Stdout, "%s: %s\n", ds.Slug, ds.Title)
	fmt.Fprintf(m.Stdout, "  level:     %s\n", ds.Level)
	if !ds.Embargo.IsZero() {
		fmt.Fprintf(m.Stdout, "  embargo:   public from %s\n", ds.Embargo.Format(time.RFC3339))
	}
	if len(ds.Countries) > 0 {
		fmt.Fprintf(m.Stdout, "  countries: %s\n", strings.Join(ds.Countries, ", "))
	}
	if ds.Description != "" {
		fmt.Fprintf(m.Stdout, "  about:     %s\n", ds.Description)
	}
	if ds.Source != "" {
		fmt.Fprintf(m.Stdout, "  source:    %s\n", ds.Source)
	}
	fmt.Fprintf(m.Stdout, "  items:     %d (top-level files: %s)\n", ds.Items, archive.HumanBytes(ds.Bytes))
	fmt.Fprintf(m.Stdout, "  failed:    %d\n", ds.Failed)
	for _, f := range fails {
		fmt.Fprintf(m.Stdout, "    %-12s %d\n", f.Value, f.Count)
	}
	if len(types) > 0 {
		fmt.Fprintln(m.Stdout, "  types:")
		for _, t := range types {
			fmt.Fprintf(m.Stdout, "    %-12s %d\n", t.Value, t.Count)
		}
	}
	fmt.Fprintf(m.Stdout, "  created:   %s\n", ds.Created.Format("2006-01-02 15:04:05Z"))
	return nil
}

type datasetOut struct {
	ID          int64                `json:"id"`
	Slug        string               `json:"slug"`
	Title       string               `json:"title"`
	Description string               `json:"description,omitempty"`
	Countries   []string             `json:"countries"`
	Source      string               `json:"source,omitempty"`
	Level       archive.ReleaseLevel `json:"level"`
	Items       int64                `json:"items"`
	Bytes       int64                `json:"bytes"`
	Failed      int64                `json:"failed"`
	Types       []archive.FacetCount `json:"types,omitempty"`
	Failures    []archive.FacetCount `json:"failures_by_reason,omitempty"`
	Embargo     string               `json:"embargo,omitempty"`
	Created     string               `json:"created"`
	Updated     string               `json:"updated"`
}

func datasetJSON(ds *archive.Dataset, types, fails []archive.FacetCount) datasetOut {
	cs := ds.Countries
	if cs == nil {
		cs = []string{}
	}
	return datasetOut{ID: ds.ID, Slug: ds.Slug, Title: ds.Title, Description: ds.Description, Countries: cs, Source: ds.Source,
		Level: ds.Level, Items: ds.Items, Bytes: ds.Bytes, Failed: ds.Failed, Types: types, Failures: fails,
		Created: ds.Created.Format("2006-01-02T15:04:05Z"), Updated: ds.Updated.Format("2006-01-02T15:04:05Z"),
		Embargo: fmtTime(ds.Embargo)}
}
