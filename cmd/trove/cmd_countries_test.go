package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

// TestCountries ingests generated files and checks detected countries
// through search (country: filter), the catalog, and access rules.
func TestCountries(t *testing.T) {
	data, src, hidden := t.TempDir(), t.TempDir(), t.TempDir()
	write(t, src, "mail.eml", []byte("From: Hans <hans@example.com>\r\nTo: Ana <ana@example.com>\r\nSubject: Termin\r\nDate: Mon, 4 Mar 2024 10:00:00 +0000\r\n\r\nBitte rufen Sie mich an: +49 30 901820.\r\n"))
	write(t, src, "invoice.txt", []byte("Invoice 2024-17. Please pay to IBAN FR76 3000 6000 0112 3456 7890 189 before April.\n"))
	write(t, src, "lunch.txt", []byte("A turkey sandwich and a china plate. Jordan said hi.\n"))
	write(t, hidden, "secret.txt", []byte("Secret meeting in Kazakhstan next week.\n"))

	mustRun(t, data, "dataset", "create", "leak", "--level", "public", "--country", "GB")
	mustRun(t, data, "dataset", "create", "hidden", "--level", "private")
	mustRun(t, data, "ingest", "leak", src)
	mustRun(t, data, "ingest", "hidden", hidden)

	if _, err := run(t, data, "dataset", "create", "bad", "--country", "UK"); err == nil || !strings.Contains(err.Error(), "GB (United Kingdom)") {
		t.Errorf("dataset with country UK: %v, want a suggestion of GB", err)
	}

	names := func(r searchResult) string {
		var s []string
		for _, h := range r.Hits {
			s = append(s, h.Path)
		}
		return strings.Join(s, ",")
	}
	if r := search(t, data, "country:DE"); names(r) != "mail.eml" {
		t.Errorf("country:DE found %q, want mail.eml (phone +49)", names(r))
	}
	if r := search(t, data, "country:fr"); names(r) != "invoice.txt" {
		t.Errorf("country:FR found %q, want invoice.txt (IBAN)", names(r))
	}
	if r := search(t, data, "country:GB"); r.Total != 3 {
		t.Errorf("country:GB found %d, want the dataset's 3 items", r.Total)
	}
	if r := search(t, data, "country:TR OR country:JO OR country:CN"); r.Total != 0 {
		t.Errorf("hard negatives matched: %q", names(r))
	}

	db, err := sqlite.Open(filepath.Join(data, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	anon := archive.Principal{}
	all, err := db.DocumentCountries(ctx, archive.Admin(), 0)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := db.DocumentCountries(ctx, anon, 0)
	if err != nil {
		t.Fatal(err)
	}
	has := func(fc []archive.FacetCount, v string) bool {
		for _, f := range fc {
			if f.Value == v {
				return true
			}
		}
		return false
	}
	if !has(all, "KZ") || !has(all, "DE") || has(pub, "KZ") || !has(pub, "FR") {
		t.Errorf("document countries: admin %v, anonymous %v (KZ is in a private dataset)", all, pub)
	}
	if ds, err := db.DatasetsMentioning(ctx, anon, "KZ"); err != nil || len(ds) != 0 {
		t.Errorf("anonymous DatasetsMentioning(KZ) = %v, %v", ds, err)
	}
	if ds, err := db.DatasetsMentioning(ctx, archive.Admin(), "KZ"); err != nil || len(ds) != 1 || ds[0].Value != "hidden" {
		t.Errorf("admin DatasetsMentioning(KZ) = %v, %v", ds, err)
	}

	// Backfill gives the same result.
	out := mustRun(t, data, "countries", "detect", "leak")
	if !strings.Contains(out, "3 documents scanned") {
		t.Errorf("countries detect: %s", out)
	}
	if r := search(t, data, "country:DE"); names(r) != "mail.eml" {
		t.Errorf("after backfill country:DE found %q", names(r))
	}
	if out := mustRun(t, data, "countries", "list", "--region", "Western Europe"); !strings.Contains(out, "Germany") || strings.Contains(out, "Japan") {
		t.Errorf("countries list --region: %s", out)
	}
}
