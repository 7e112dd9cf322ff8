package publish

import (
	"archive/tar"
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
)

// entry is one member of a release's tar or zip: a folder, a generated
// file (data) or an original (blob).
type entry struct {
	name string // slash-separated; folders end in "/"
	dir  bool
	size int64
	data []byte
	blob archive.BlobID
}

// bundleEntries lays out a release folder (see package release):
// manifest.json, its signature and SHA256SUMS at the root, then NAME/ and
// every file under it in manifest order, each folder before its first file.
func bundleEntries(rel *archive.Release, m *release.Manifest) []entry {
	sums := m.Sums()
	out := []entry{
		{name: release.ManifestName, size: int64(len(rel.Manifest)), data: rel.Manifest},
		{name: release.SignatureName, size: int64(len(rel.Signature)), data: rel.Signature},
		{name: release.SumsName, size: int64(len(sums)), data: sums},
		{name: m.Name + "/", dir: true},
	}
	seen := map[string]bool{}
	var dirs func(d string)
	dirs = func(d string) {
		if d == "." || seen[d] {
			return
		}
		dirs(path.Dir(d))
		seen[d] = true
		out = append(out, entry{name: m.Name + "/" + d + "/", dir: true})
	}
	for _, f := range m.Files {
		dirs(path.Dir(f.Path))
		out = append(out, entry{name: m.Name + "/" + f.Path, size: f.Size, blob: f.Blob()})
	}
	return out
}

func tarHeader(e entry, mod time.Time) *tar.Header {
	if e.dir {
		return &tar.Header{Typeflag: tar.TypeDir, Name: e.name, Mode: 0o755, ModTime: mod}
	}
	return &tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: e.size, ModTime: mod}
}

// tarLength is the exact size of the tar stream of entries: each header
// as archive/tar writes it (with a PAX record first when a name is long or
// not ASCII, or a size too large for USTAR), each file padded to 512
// bytes, and the two zero blocks that end the archive.
func tarLength(entries []entry, mod time.Time) (int64, error) {
	var n int64
	for _, e := range entries {
		var c countWriter
		if err := tar.NewWriter(&c).WriteHeader(tarHeader(e, mod)); err != nil {
			return 0, fmt.Errorf("tar header %s: %w", e.name, err)
		}
		n += c.n + (e.size+511)/512*512
	}
	return n + 2*512, nil
}

type countWriter struct {
	w io.Writer // nil: count only
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.w == nil {
		c.n += int64(len(p))
		return len(p), nil
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type bundleFormat int

const (
	tarFormat bundleFormat = iota
	zipFormat
)

// bundle streams a whole release as a tar or zip file, reading every blob
// through the store's verifying reader. Nothing is copied to disk first and
// nothing limits the size. If a blob turns out corrupt (or short, or
// long) mid-stream, the response is cut off: the client sees a broken
// download, never an archive that looks complete with wrong bytes in it.
func (h *handler) bundle(w http.ResponseWriter, r *http.Request, rel *archive.Release, format bundleFormat) {
	ctx := r.Context()
	m, err := release.Parse(rel.Manifest)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// A mirror still copying a release cannot send all of it: say so
	// before starting rather than break off later.
	for _, f := range m.Files {
		if f.Size == 0 && f.Blob() != emptyBlob {
			h.fail(w, r, fmt.Errorf("release %s: %s: empty, but its sha256 is not that of no bytes", rel.Name, f.SHA256))
			return
		}
		if _, err := h.cfg.Store.Stat(ctx, f.Blob()); archive.ErrorCode(err) == archive.ENotFound {
			h.errorPage(w, http.StatusNotFound, "Not on this server yet",
				"Some files of this release are not on this server yet: this mirror is still copying them. "+
					"Try again later, use another mirror, or the torrent.")
			return
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	entries := bundleEntries(rel, m)
	mod := rel.Created.UTC().Truncate(time.Second)
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Last-Modified", mod.Format(http.TimeFormat))
	var size int64
	if format == tarFormat {
		if size, err = tarLength(entries, mod); err != nil {
			h.fail(w, r, err)
			return
		}
		hd.Set("Content-Type", "application/x-tar")
		hd.Set("Content-Disposition", attachment(rel.Name+".tar"))
		hd.Set("Content-Length", strconv.FormatInt(size, 10))
	} else {
		hd.Set("Content-Type", "application/zip")
		hd.Set("Content-Disposition", attachment(rel.Name+".zip"))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}

	cw := &countWriter{w: w}
	var werr error
	if format == tarFormat {
		werr = h.writeTar(r, cw, entries, mod)
	} else {
		werr = h.writeZip(r, cw, entries, mod)
	}
	if werr == nil && format == tarFormat && cw.n != size {
		werr = &storeError{fmt.Errorf("tar of %s: wrote %d bytes, announced %d", rel.Name, cw.n, size)}
	}
	if werr != nil {
		var se *storeError
		if errors.As(werr, &se) {
			h.log.Error("publish: release download aborted", "release", rel.Name, "err", werr)
		} else {
			h.log.Debug("publish: release download ended early", "release", rel.Name, "err", werr)
		}
		// Send what was written, which stops inside the member that
		// failed (see writeEntry), then drop the connection without ending
		// the body: no client takes what it got for the whole archive,
		// not even one that would accept a tar cut between two members.
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}
}

func (h *handler) writeTar(r *http.Request, w io.Writer, entries []entry, mod time.Time) error {
	tw := tar.NewWriter(w)
	bufs := &[2][]byte{make([]byte, copyBuf), make([]byte, copyBuf)}
	for _, e := range entries {
		if err := tw.WriteHeader(tarHeader(e, mod)); err != nil {
			return err
		}
		if err := h.writeEntry(r, tw, e, bufs); err != nil {
			return err
		}
	}
	return tw.Close()
}

func (h *handler) writeZip(r *http.Request, w io.Writer, entries []entry, mod time.Time) error {
	zw := zip.NewWriter(w)
	bufs := &[2][]byte{make([]byte, copyBuf), make([]byte, copyBuf)}
	for _, e := range entries {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Store, Modified: mod}
		if e.dir {
			fh.SetMode(fs.ModeDir | 0o755)
		} else {
			fh.SetMode(0o644) // sizes and CRC-32 follow the data (data descriptor; zip64 when large)
		}
		fw, err := zw.CreateHeader(fh)
		if err != nil {
			return err
		}
		if err := h.writeEntry(r, fw, e, bufs); err != nil {
			zw.Flush()
			return err
		}
	}
	return zw.Close()
}

const copyBuf = 256 << 10

// storeError is a failure on the server's side of a copy: a blob that is
// corrupt, missing, or not the size the manifest says (or a tar length
// computed wrong); anything else is the client going away.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// emptyBlob is the ID of no bytes: an empty file's content is known
// without reading the store.
var emptyBlob = archive.Hash(nil)

// writeEntry writes an entry's bytes, after its header. A blob is read to
// its end, so that the verifying reader gets to compare its hash, and the
// last bytes read are held back until it has: a blob that is missing,
// corrupt, short or long thus always leaves its member short of the size
// in its header, which every tar or zip reader reports, even one that
// would take a cut between two members for the end of the archive. (Empty
// files cannot fail: bundle checked their hash before the first byte.)
// Store errors come back as a *storeError, the client's as they are.
func (h *handler) writeEntry(r *http.Request, w io.Writer, e entry, bufs *[2][]byte) error {
	if e.dir || e.size == 0 && e.data == nil {
		return nil
	}
	if e.data != nil {
		_, err := w.Write(e.data)
		return err
	}
	rc, err := h.cfg.Store.Open(r.Context(), e.blob)
	if err != nil {
		return &storeError{err}
	}
	defer rc.Close()
	var n int64
	var pending []byte // read, not yet written
	for i := 0; ; i++ {
		buf := bufs[i%2]
		k, rerr := rc.Read(buf)
		if rerr != nil && rerr != io.EOF {
			return &storeError{rerr}
		}
		if k > 0 {
			if n+int64(k) > e.size {
				return &storeError{fmt.Errorf("blob %s: longer than %d bytes", e.blob, e.size)}
			}
			n += int64(k)
			if len(pending) > 0 {
				if _, err := w.Write(pending); err != nil {
					return err
				}
			}
			pending = buf[:k]
		}
		if rerr == io.EOF {
			break
		}
	}
	if n != e.size {
		return &storeError{fmt.Errorf("blob %s: %d bytes, want %d", e.blob, n, e.size)}
	}
	_, err = w.Write(pending)
	return err
}
