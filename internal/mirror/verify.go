package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
)

// VerifyReport is the outcome of checking one release.
type VerifyReport struct {
	Name        string        `json:"name"`
	SignatureOK bool          `json:"signature_ok"` // the manifest's signature verifies against the pinned key
	Files       int           `json:"files"`        // files in the manifest
	OK          int           `json:"ok"`           // files whose size and SHA-256 match
	Bad         []FileProblem `json:"bad,omitempty"`
	Bytes       int64         `json:"bytes"` // bytes hashed
}

// Passed reports whether the signature and every file check out.
func (r *VerifyReport) Passed() bool {
	return r != nil && r.SignatureOK && r.OK == r.Files && len(r.Bad) == 0
}

// FileProblem is one failed check. Problem is "missing", "size N want M",
// "sha256 mismatch", "symlink refused", "not a regular file" or a fetch or
// read error. A manifest that cannot be used is reported with Path
// "manifest.json" (it does not parse, or names another release).
type FileProblem struct {
	Path    string `json:"path"`
	Problem string `json:"problem"`
}

// checkManifest verifies the signature and parses the manifest. A bad
// signature still lets the files be checked against the manifest (the
// report fails either way); a manifest that does not parse stops the check.
func checkManifest(pubKey string, raw, sig []byte, rep *VerifyReport) (*release.Manifest, error) {
	if _, err := release.ParsePublicKey(pubKey); err != nil {
		return nil, err
	}
	m, err := release.Verify(pubKey, raw, sig)
	switch {
	case err == nil:
		rep.SignatureOK = true
	case errors.Is(err, release.ErrBadSignature):
		m, err = release.Parse(raw)
	default:
		rep.SignatureOK = true
	}
	if err != nil {
		rep.Bad = append(rep.Bad, FileProblem{release.ManifestName, archive.ErrorMessage(err)})
		return nil, err
	}
	rep.Files = len(m.Files)
	return m, nil
}

// VerifyURL checks release name as served at baseURL: the manifest's
// signature against pubKey, then every file's size and SHA-256, streaming.
// token, if set, is sent as a bearer token. The error is non-nil only when
// the check could not run (no manifest, a manifest that does not parse).
func VerifyURL(ctx context.Context, client *http.Client, pubKey, baseURL, name, token string) (*VerifyReport, error) {
	if client == nil {
		client = defaultClient()
	}
	rep := &VerifyReport{Name: name}
	if !release.ValidName(name) {
		return rep, archive.Errorf(archive.EInvalid, "verify: bad release name %q", name)
	}
	base := strings.TrimRight(baseURL, "/")
	raw, err := getSmall(ctx, client, releaseURL(base, name, release.ManifestName), token, maxManifest, defaultStall)
	if err != nil {
		return rep, fmt.Errorf("verify %s: %w", name, err)
	}
	sig, err := getSmall(ctx, client, releaseURL(base, name, release.SignatureName), token, maxSignature, defaultStall)
	if err != nil {
		return rep, fmt.Errorf("verify %s: %w", name, err)
	}
	m, err := checkManifest(pubKey, raw, sig, rep)
	if err != nil {
		return rep, fmt.Errorf("verify %s: %w", name, err)
	}
	if m.Name != name {
		rep.Bad = append(rep.Bad, FileProblem{release.ManifestName, fmt.Sprintf("names release %q", m.Name)})
	}
	for _, f := range m.Files {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("verify %s: %w", name, err)
		}
		problem := verifyRemote(ctx, client, fileURL(base, name, f.Path), token, f, rep)
		if problem == "" {
			rep.OK++
		} else {
			rep.Bad = append(rep.Bad, FileProblem{f.Path, problem})
		}
	}
	return rep, nil
}

func verifyRemote(ctx context.Context, client *http.Client, u, token string, f release.ManifestFile, rep *VerifyReport) string {
	ctx, watch, stop := watchStall(ctx, defaultStall)
	defer stop()
	req, err := newRequest(ctx, u, token)
	if err != nil {
		return err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return "fetch: " + err.Error()
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return "missing"
	case resp.StatusCode != http.StatusOK:
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	case resp.ContentLength >= 0 && resp.ContentLength != f.Size:
		return fmt.Sprintf("size %d want %d", resp.ContentLength, f.Size)
	}
	return hashCheck(ctx, watch.reader(resp.Body), f, rep)
}

// hashCheck reads at most f.Size+1 bytes of r and compares size and hash.
func hashCheck(ctx context.Context, r io.Reader, f release.ManifestFile, rep *VerifyReport) string {
	h := sha256.New()
	n, err := io.CopyBuffer(h, io.LimitReader(ctxReader{ctx, r}, f.Size+1), make([]byte, 64<<10))
	rep.Bytes += n
	switch {
	case err != nil:
		return "read: " + err.Error()
	case n > f.Size:
		return fmt.Sprintf("size >%d want %d", f.Size, f.Size)
	case n != f.Size:
		return fmt.Sprintf("size %d want %d", n, f.Size)
	case hex.EncodeToString(h.Sum(nil)) != f.SHA256:
		return "sha256 mismatch"
	}
	return ""
}

// VerifyDir checks a release folder: manifest.json and
// manifest.json.minisig at the top, the files at <dir>/<NAME>/<path>.
// Files are opened only beneath dir and a symlink anywhere on a file's
// path is refused. The error is non-nil only when the check could not run.
func VerifyDir(ctx context.Context, pubKey, dir string) (*VerifyReport, error) {
	rep := &VerifyReport{}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return rep, fmt.Errorf("verify %s: %w", dir, err)
	}
	defer root.Close()
	raw, err := readRootFile(root, release.ManifestName, maxManifest)
	if err != nil {
		return rep, fmt.Errorf("verify %s: %w", dir, err)
	}
	sig, err := readRootFile(root, release.SignatureName, maxSignature)
	if err != nil {
		return rep, fmt.Errorf("verify %s: %w", dir, err)
	}
	m, err := checkManifest(pubKey, raw, sig, rep)
	if err != nil {
		return rep, fmt.Errorf("verify %s: %w", dir, err)
	}
	rep.Name = m.Name
	dirs := make(map[string]string) // folder (slash path) -> problem, "" if fine
	for _, f := range m.Files {
		if err := ctx.Err(); err != nil {
			return rep, fmt.Errorf("verify %s: %w", dir, err)
		}
		problem := verifyLocal(ctx, root, m.Name, f, dirs, rep)
		if problem == "" {
			rep.OK++
		} else {
			rep.Bad = append(rep.Bad, FileProblem{f.Path, problem})
		}
	}
	return rep, nil
}

func verifyLocal(ctx context.Context, root *os.Root, name string, f release.ManifestFile, dirs map[string]string, rep *VerifyReport) string {
	if !release.ValidPath(f.Path) || !release.ValidName(name) {
		return "unsafe path"
	}
	rel := name + "/" + f.Path
	// Every folder on the way must be a real folder, not a symlink.
	var parents []string
	for d := path.Dir(rel); d != "."; d = path.Dir(d) {
		parents = append(parents, d)
	}
	for i := len(parents) - 1; i >= 0; i-- {
		d := parents[i]
		problem, seen := dirs[d]
		if !seen {
			problem = lstatProblem(root, filepath.FromSlash(d), true)
			dirs[d] = problem
		}
		if problem != "" {
			return problem
		}
	}
	local := filepath.Join(name, filepath.FromSlash(f.Path))
	if problem := lstatProblem(root, local, false); problem != "" {
		return problem
	}
	file, err := root.Open(local)
	if err != nil {
		return "open: " + err.Error()
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return "stat: " + err.Error()
	}
	if !fi.Mode().IsRegular() {
		return "not a regular file"
	}
	if fi.Size() != f.Size {
		return fmt.Sprintf("size %d want %d", fi.Size(), f.Size)
	}
	return hashCheck(ctx, file, f, rep)
}

// lstatProblem checks one name in root without following a symlink.
func lstatProblem(root *os.Root, name string, wantDir bool) string {
	fi, err := root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "missing"
	case err != nil:
		return "stat: " + err.Error()
	case fi.Mode()&fs.ModeSymlink != 0:
		return "symlink refused"
	case wantDir && !fi.IsDir():
		return "missing" // a file where a folder should be
	case !wantDir && !fi.Mode().IsRegular():
		return "not a regular file"
	}
	return ""
}

// readRootFile reads a small regular file (not a symlink) in root.
func readRootFile(root *os.Root, name string, max int64) ([]byte, error) {
	fi, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, archive.Errorf(archive.EInvalid, "%s is not a regular file", name)
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, archive.Errorf(archive.EInvalid, "%s is larger than %d bytes", name, max)
	}
	return b, nil
}
