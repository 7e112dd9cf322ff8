package publish

import (
	"errors"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/trove-archive/trove/internal/archive"
)

// tree is a release's files arranged in folders, for listings and for
// finding a file by path.
type tree struct {
	files map[string]archive.ReleaseFile // by path
	dirs  map[string]*folder             // by path; "" is the root
}

type folder struct {
	dirs  []string              // names of subfolders, sorted
	files []archive.ReleaseFile // sorted by name
}

func newTree(files []archive.ReleaseFile) *tree {
	t := &tree{files: make(map[string]archive.ReleaseFile, len(files)), dirs: map[string]*folder{"": {}}}
	var add func(dir string) *folder
	add = func(dir string) *folder {
		if f, ok := t.dirs[dir]; ok {
			return f
		}
		f := &folder{}
		t.dirs[dir] = f
		parent := path.Dir(dir)
		if parent == "." {
			parent = ""
		}
		p := add(parent)
		p.dirs = append(p.dirs, path.Base(dir))
		return f
	}
	for _, f := range files {
		t.files[f.Path] = f
		dir := path.Dir(f.Path)
		if dir == "." {
			dir = ""
		}
		d := add(dir)
		d.files = append(d.files, f)
	}
	for _, d := range t.dirs {
		sort.Strings(d.dirs)
		sort.Slice(d.files, func(i, j int) bool { return d.files[i].Path < d.files[j].Path })
	}
	return t
}

// treeCache keeps the trees of the last few releases read: web seeds and
// resumed downloads ask for one file after another of the same release.
// Releases are immutable; the key includes the info-hash so that a
// release removed and made again under the same ID is not confused.
type treeCache struct {
	mu    sync.Mutex
	keys  []treeKey
	trees map[treeKey]*tree
}

type treeKey struct {
	id       int64
	infoHash string
}

const treeCacheSize = 4

func (c *treeCache) get(k treeKey) *tree {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trees[k]
}

func (c *treeCache) put(k treeKey, t *tree) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.trees == nil {
		c.trees = map[treeKey]*tree{}
	}
	if _, ok := c.trees[k]; ok {
		return
	}
	if len(c.keys) == treeCacheSize {
		delete(c.trees, c.keys[0])
		c.keys = c.keys[1:]
	}
	c.keys = append(c.keys, k)
	c.trees[k] = t
}

// tree returns a visible release's tree.
func (h *handler) tree(r *http.Request, rel *archive.Release) (*tree, error) {
	k := treeKey{rel.ID, rel.InfoHash}
	if t := h.trees.get(k); t != nil {
		return t, nil
	}
	files, err := h.cfg.Releases.ReleaseFiles(r.Context(), archive.PrincipalFrom(r.Context()), rel.Name)
	if err != nil {
		return nil, err
	}
	t := newTree(files)
	h.trees.put(k, t)
	return t, nil
}

// dirRow is one line of a directory listing; Href is relative and escaped.
type dirRow struct {
	Name   string
	Href   string
	Dir    bool
	Size   int64
	SHA256 string
}

type dirData struct {
	Title   string // the decoded path, e.g. /files/NAME/sub/
	Parent  bool
	Release string // the release page, escaped; "" at /files/
	Rows    []dirRow
}

// filesRoot lists the releases the reader may see as folders: GET /files/.
func (h *handler) filesRoot(w http.ResponseWriter, r *http.Request) {
	list, err := h.releases(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := dirData{Title: "/files/", Parent: true}
	names := make([]string, 0, len(list))
	for _, rel := range list {
		names = append(names, rel.Name)
	}
	sort.Strings(names)
	for _, n := range names {
		d.Rows = append(d.Rows, dirRow{Name: n + "/", Href: escape(n) + "/", Dir: true})
	}
	h.render(w, http.StatusOK, "dir", d)
}

// filesSlash sends /files/NAME to /files/NAME/, for every name alike.
func (h *handler) filesSlash(w http.ResponseWriter, r *http.Request) {
	redirect(w, "/files/"+escape(r.PathValue("name"))+"/")
}

// files serves GET /files/NAME/<folder>/ (a listing) and
// GET /files/NAME/<path> (a file's bytes: the BEP 19 web seed address).
func (h *handler) files(w http.ResponseWriter, r *http.Request) {
	rel, ok := h.release(w, r)
	if !ok {
		return
	}
	t, err := h.tree(r, rel)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := r.PathValue("path")
	base := "/files/" + escape(rel.Name) + "/"
	if p == "" || strings.HasSuffix(p, "/") {
		dir := strings.TrimSuffix(p, "/")
		f, ok := t.dirs[dir]
		if !ok {
			h.notFound(w, r)
			return
		}
		d := dirData{Title: "/files/" + rel.Name + "/" + p, Parent: true, Release: "/releases/" + escape(rel.Name) + "/"}
		for _, name := range f.dirs {
			d.Rows = append(d.Rows, dirRow{Name: name + "/", Href: escape(name) + "/", Dir: true})
		}
		for _, fi := range f.files {
			name := path.Base(fi.Path)
			d.Rows = append(d.Rows, dirRow{Name: name, Href: escape(name), Size: fi.Size, SHA256: fi.Blob.String()})
		}
		h.render(w, http.StatusOK, "dir", d)
		return
	}
	if _, ok := t.dirs[p]; ok {
		redirect(w, base+escapePath(p)+"/")
		return
	}
	f, ok := t.files[p]
	if !ok {
		h.notFound(w, r)
		return
	}
	h.serveFile(w, r, rel, f)
}

// serveFile sends an original file the way /files/ promises: checked
// against its hash before the first byte (store.OpenVerified), then with
// sendfile through http.ServeContent, so ranges, If-Range and resumed
// downloads work; as an attachment that no browser renders.
func (h *handler) serveFile(w http.ResponseWriter, r *http.Request, rel *archive.Release, rf archive.ReleaseFile) {
	f, err := h.cfg.Store.OpenVerified(r.Context(), rf.Blob)
	switch {
	case archive.ErrorCode(err) == archive.ENotFound:
		h.errorPage(w, http.StatusNotFound, "Not on this server yet",
			"This file belongs to the release but is not on this server yet: this mirror is still copying it. "+
				"Try again later, use another mirror, or the torrent.")
		return
	case errors.Is(err, archive.ErrCorrupt):
		h.log.Error("publish: corrupt blob not served", "release", rel.Name, "blob", rf.Blob.String(), "err", err)
		h.errorPage(w, http.StatusInternalServerError, "File damaged on this server",
			"This copy of the file failed its integrity check and is not served. Use another mirror or the torrent.")
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() != rf.Size {
		h.log.Error("publish: blob size differs from the manifest", "release", rel.Name, "blob", rf.Blob.String())
		h.internal(w)
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Disposition", attachment(path.Base(rf.Path)))
	hd.Set("ETag", `"`+rf.Blob.String()+`"`)
	if rel.Level == archive.LevelPublic {
		hd.Set("Cache-Control", "public, max-age=3600, immutable")
	} else {
		hd.Set("Cache-Control", "private, no-transform")
	}
	http.ServeContent(w, r, "", rel.Created, f)
}
