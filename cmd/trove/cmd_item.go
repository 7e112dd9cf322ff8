package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// resolveItem accepts an item id, or DATASET:PATH.
func resolveItem(ctx context.Context, a *app, ref string) (*archive.Item, error) {
	p := archive.Admin()
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return a.db.Item(ctx, p, id)
	}
	slug, path, ok := strings.Cut(ref, ":")
	if !ok {
		return nil, archive.Errorf(archive.EInvalid, "item %q: want an item id or DATASET:PATH", ref)
	}
	ds, err := a.db.Dataset(ctx, p, slug)
	if err != nil {
		return nil, err
	}
	return a.db.ItemByPath(ctx, p, ds.ID, path)
}

func itemArg(ctx context.Context, m *Main, name string, args []string) (*app, *archive.Item, bool, error) {
	fs := newFlags(m, name, name+" ITEM (an item id, or DATASET:PATH)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return nil, nil, false, err
	}
	if len(pos) != 1 {
		return nil, nil, false, usagef("%s: want exactly one ITEM", name)
	}
	a, err := m.open()
	if err != nil {
		return nil, nil, false, err
	}
	it, err := resolveItem(ctx, a, pos[0])
	return a, it, *asJSON, err
}

type itemOut struct {
	ID        int64            `json:"id"`
	Dataset   string           `json:"dataset"`
	Path      string           `json:"path"`
	Name      string           `json:"name"`
	SHA256    string           `json:"sha256"`
	Size      int64            `json:"size"`
	MIME      string           `json:"mime"`
	Type      string           `json:"type"`
	Ext       string           `json:"ext,omitempty"`
	ExtLies   bool             `json:"extension_mismatch,omitempty"`
	FileTime  string           `json:"file_time,omitempty"`
	Date      string           `json:"date,omitempty"`
	Status    string           `json:"status"`
	Failure   *archive.Failure `json:"failure,omitempty"`
	Meta      archive.Meta     `json:"meta"`
	Duplicate int64            `json:"duplicate_of,omitempty"`
	Children  *childrenOut     `json:"children,omitempty"`
	Parents   []itemRef        `json:"parents"`
	Members   []itemRef        `json:"members,omitempty"`
	Lost      any              `json:"unreadable_members,omitempty"`
}

type childrenOut struct {
	Expected int64 `json:"expected"`
	Emitted  int64 `json:"emitted"`
	Failed   int64 `json:"failed"`
}

type itemRef struct {
	ID   int64  `json:"id"`
	Path string `json:"path"`
	Type string `json:"type"`
	Size int64  `json:"size"`
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func cmdShow(ctx context.Context, m *Main, args []string) error {
	a, it, asJSON, err := itemArg(ctx, m, "show", args)
	if err != nil {
		return err
	}
	p := archive.Admin()
	parents, err := a.db.Parents(ctx, p, it.ID)
	if err != nil {
		return err
	}
	kids, err := a.db.Children(ctx, p, it.ID, 1000, 0)
	if err != nil {
		return err
	}
	lost, err := a.db.ChildFailures(ctx, p, it.ID)
	if err != nil {
		return err
	}
	slug := ""
	if list, err := a.db.Datasets(ctx, p); err == nil {
		for _, ds := range list {
			if ds.ID == it.DatasetID {
				slug = ds.Slug
			}
		}
	}
	out := itemOut{ID: it.ID, Dataset: slug, Path: it.Path, Name: it.Name, SHA256: it.Blob.String(), Size: it.Size, MIME: it.MIME,
		Type: string(it.Kind), Ext: it.Ext, ExtLies: it.ExtLies, FileTime: fmtTime(it.FileTime), Date: fmtTime(it.Date),
		Status: string(it.Status), Failure: it.Failure, Meta: it.Meta, Duplicate: it.DuplicateOf, Parents: []itemRef{}}
	if it.ChildrenExpected >= 0 || it.ChildrenEmitted > 0 || it.ChildrenFailed > 0 {
		out.Children = &childrenOut{Expected: it.ChildrenExpected, Emitted: it.ChildrenEmitted, Failed: it.ChildrenFailed}
	}
	for _, pi := range parents {
		out.Parents = append(out.Parents, itemRef{pi.ID, pi.Path, string(pi.Kind), pi.Size})
	}
	for _, k := range kids {
		out.Members = append(out.Members, itemRef{k.ID, k.Path, string(k.Kind), k.Size})
	}
	if len(lost) > 0 {
		out.Lost = lost
	}
	if asJSON {
		return writeJSON(m.Stdout, out)
	}
	w := m.Stdout
	fmt.Fprintf(w, "item %d  %s/%s\n", it.ID, slug, it.Path)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %-12s %s\n", k+":", v)
		}
	}
	row("sha256", it.Blob.String())
	row("size", fmt.Sprintf("%d bytes (%s)", it.Size, archive.HumanBytes(it.Size)))
	typ := fmt.Sprintf("%s (%s)", it.Kind, it.MIME)
	if it.ExtLies {
		typ += fmt.Sprintf(" — the extension .%s does not match the content", it.Ext)
	}
	row("type", typ)
	row("status", string(it.Status))
	if f := it.Failure; f != nil {
		row("failure", fmt.Sprintf("%s (%s): %s", f.Reason, f.Extractor, f.Message))
		if f.Stderr != "" {
			row("stderr", oneLine(f.Stderr))
		}
	}
	row("file time", fmtTime(it.FileTime))
	row("date", fmtTime(it.Date))
	md := it.Meta
	row("title", md.Title)
	row("author", md.Author)
	row("creator", md.Creator)
	row("producer", md.Producer)
	row("subject", md.Subject)
	row("keywords", md.Keywords)
	row("language", md.Language)
	row("created", fmtTime(md.Created))
	row("modified", fmtTime(md.Modified))
	if md.Pages > 0 {
		row("pages", strconv.Itoa(md.Pages))
	}
	if md.Encrypted {
		row("encrypted", "yes")
	}
	if e := md.Email; e != nil {
		row("from", e.From)
		row("to", strings.Join(e.To, ", "))
		row("cc", strings.Join(e.Cc, ", "))
		row("bcc", strings.Join(e.Bcc, ", "))
		row("email date", fmtTime(e.Date))
		row("message-id", e.MessageID)
		row("in-reply-to", e.InReplyTo)
		row("references", strings.Join(e.References, " "))
	}
	if it.DuplicateOf != 0 {
		row("duplicate", fmt.Sprintf("same content as item %d", it.DuplicateOf))
	}
	if out.Children != nil {
		row("members", fmt.Sprintf("%d expected, %d emitted, %d failed", it.ChildrenExpected, it.ChildrenEmitted, it.ChildrenFailed))
	}
	if len(parents) > 0 {
		fmt.Fprintln(w, "  parents:")
		for _, pi := range parents {
			fmt.Fprintf(w, "    %d  %s\n", pi.ID, pi.Path)
		}
	}
	if len(kids) > 0 {
		fmt.Fprintln(w, "  members:")
		for _, k := range kids {
			fmt.Fprintf(w, "    %d  %s  (%s, %s)\n", k.ID, k.Path, k.Kind, archive.HumanBytes(k.Size))
		}
	}
	for _, l := range lost {
		fmt.Fprintf(w, "  unreadable member: %s (%s): %s\n", l.Name, l.Reason, l.Message)
	}
	return nil
}

func cmdText(ctx context.Context, m *Main, args []string) error {
	a, it, _, err := itemArg(ctx, m, "text", args)
	if err != nil {
		return err
	}
	return a.db.Text(ctx, archive.Admin(), it.ID, m.Stdout)
}

func cmdCat(ctx context.Context, m *Main, args []string) error {
	a, it, _, err := itemArg(ctx, m, "cat", args)
	if err != nil {
		return err
	}
	r, err := a.store.Open(ctx, it.Blob)
	if err != nil {
		return err
	}
	defer r.Close()
	if _, err := io.Copy(m.Stdout, r); err != nil {
		return fmt.Errorf("cat item %d: %w", it.ID, err)
	}
	return nil
}

func cmdVersion(ctx context.Context, m *Main, args []string) error {
	fmt.Fprintf(m.Stdout, "trove %s\n", version)
	return nil
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"
