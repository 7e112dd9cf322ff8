package server_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/trove-archive/trove/internal/api"
	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/auth"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/container"
	"github.com/trove-archive/trove/internal/extract/email"
	"github.com/trove-archive/trove/internal/extract/html"
	"github.com/trove-archive/trove/internal/extract/text"
	"github.com/trove-archive/trove/internal/ingest"
	"github.com/trove-archive/trove/internal/server"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/store"
	"github.com/trove-archive/trove/internal/web"
)

// The files of the test leak, written to disk and ingested with the real
// extractors.
const (
	readme = "The harbor master signed the shell company papers.\n<script>alert(1)</script>\n"
	// invoiceAtt is the attachment of invoice.eml.
	invoiceAtt = "Invoice 42: payment to the shell company, 1,000,000 USD."
	invoiceEML = "From: Alice Example <alice@example.org>\r\n" +
		"To: Bob <bob@example.com>\r\n" +
		"Subject: Harbor invoice\r\n" +
		"Date: Tue, 5 Mar 2019 10:00:00 +0000\r\n" +
		"Message-ID: <1@example.org>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"XX\"\r\n" +
		"\r\n" +
		"--XX\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"Bob, the invoice for the shell company is attached. Müller agreed.\r\n" +
		"--XX\r\n" +
		"Content-Type: text/plain; name=\"invoice.txt\"\r\n" +
		"Content-Disposition: attachment; filename=\"invoice.txt\"\r\n" +
		"\r\n" +
		invoiceAtt + "\r\n" +
		"--XX--\r\n"
	secretText = "Limited memo about the shell company harbor deal.\n"
	janePass   = "correct horse battery staple"
)

// stack is the whole server over a freshly ingested catalog: a public
// dataset "harbor-leak" and a limited one "lim-leak", a journalist "jane"
// and an editor "eddie" (both with the password janePass).
type stack struct {
	db  *sqlite.DB
	st  *store.Store
	srv *server.Server
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newStack(t testing.TB, cfg server.Config) *stack {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := store.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	reg := extract.NewRegistry(append([]extract.Extractor{html.New(), email.NewEML(), email.NewMbox(), text.New(), text.NewCSV()},
		container.All(container.DefaultLimits())...)...)
	sets := []struct {
		ds    *archive.Dataset
		files map[string]string
	}{
		{&archive.Dataset{Slug: "harbor-leak", Title: "Harbor leak", Description: "Papers of the port authority.", Level: archive.LevelPublic,
			Countries: []string{"PA", "DE"}, Source: "Received from a whistleblower in 2024."},
			map[string]string{"docs/readme.txt": readme, "docs/Mail/invoice.eml": invoiceEML}},
		{&archive.Dataset{Slug: "lim-leak", Title: "Limited leak", Description: "Sensitive memos, for vetted journalists.", Level: archive.LevelLimited,
			Countries: []string{"PA"}}, map[string]string{"memo.txt": secretText}},
	}
	for _, s := range sets {
		if err := db.CreateDataset(ctx, s.ds); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(dir, "src-"+s.ds.Slug)
		writeFiles(t, src, s.files)
		if _, err := ingest.New(db, st, reg, ingest.Options{Workers: 2}).Run(ctx, s.ds, []string{src}); err != nil {
			t.Fatal(err)
		}
	}
	for name, role := range map[string]archive.Role{"jane": archive.RoleJournalist, "eddie": archive.RoleEditor} {
		if _, err := db.CreateUser(ctx, name, janePass, role); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	authn := auth.New(db, db, auth.Config{})
	ui, err := web.New(web.Config{Logger: cfg.Logger}, web.Deps{Catalog: db, Index: db, Store: st, Browse: db,
		Accounts: db, Audit: db, Auth: authn})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	srv := server.New(cfg, server.Deps{
		Web:    ui,
		API:    api.New(api.Deps{Catalog: db, Index: db, Store: st, Audit: db, Browse: db, Log: cfg.Logger}),
		Static: web.Static(),
		Auth:   authn.Middleware,
	})
	if err := srv.Open(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &stack{db: db, st: st, srv: srv}
}

// itemID finds an item of the public dataset by path.
func (s *stack) itemID(t testing.TB, slug, path string) int64 {
	t.Helper()
	ctx := context.Background()
	ds, err := s.db.Dataset(ctx, archive.Admin(), slug)
	if err != nil {
		t.Fatal(err)
	}
	it, err := s.db.ItemByPath(ctx, archive.Admin(), ds.ID, path)
	if err != nil {
		t.Fatal(err)
	}
	return it.ID
}
