// Package release defines trove's release manifest, the archive's signing
// key and the checks anyone can run on a release: the manifest is JSON, its
// signature is a minisign signature (verifiable with `minisign -V`), and
// SHA256SUMS lets `sha256sum -c` check the files without trove.
//
// A release folder, as a tar or zip download unpacks and as a torrent
// client fills it, looks like:
//
//	manifest.json
//	manifest.json.minisig
//	SHA256SUMS          (lines "<sha256>  <name>/<path>")
//	<name>/<path>...    (the original files)
package release

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// Format names the manifest format; readers refuse other formats.
const Format = "trove-release/1"

// File names inside a release folder and at /releases/NAME/.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.json.minisig"
	SumsName      = "SHA256SUMS"
)

// Manifest is what a release freezes: the dataset's description and every
// original file, signed as a whole.
type Manifest struct {
	Format    string          `json:"format"`
	Name      string          `json:"name"`
	Archive   string          `json:"archive,omitempty"` // name or URL of the signing archive
	Created   time.Time       `json:"created"`
	Level     string          `json:"level"` // public or limited
	Dataset   ManifestDataset `json:"dataset"`
	Files     []ManifestFile  `json:"files"`
	FileCount int             `json:"file_count"`
	TotalSize int64           `json:"total_size"`
}

// ManifestDataset describes the dataset a release was made from.
type ManifestDataset struct {
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Countries   []string `json:"countries,omitempty"`
	Source      string   `json:"source,omitempty"`
}

// ManifestFile is one original file.
type ManifestFile struct {
	Path   string `json:"path"` // slash-separated, relative to the release root
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex, lower case
	Item   int64  `json:"item"`   // item ID in the signing archive
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,99}$`)

// ValidName reports whether s can name a release: lower-case letters,
// digits, dots and dashes; it is a URL path element and a folder name.
// Names of the archive's own files under /releases/ are reserved.
func ValidName(s string) bool {
	switch s {
	case "index.json", "feed.rss", "feed.csv", "archive.pub":
		return false
	}
	return nameRE.MatchString(s) && !strings.Contains(s, "..")
}

// ValidPath reports whether p is a safe relative file path: no absolute
// path, no "." or ".." element, no empty element, no backslash, no control
// character (a newline would break SHA256SUMS).
// Mirrors and verifiers refuse manifests with other paths (path traversal).
func ValidPath(p string) bool {
	if p == "" || strings.ContainsRune(p, '\\') || strings.HasPrefix(p, "/") {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	for _, el := range strings.Split(p, "/") {
		if el == "" || el == "." || el == ".." {
			return false
		}
	}
	return path.Clean(p) == p
}

// Encode returns the manifest's canonical bytes: indented JSON, files sorted
// by path, counts filled in. These bytes are what gets signed and served.
func (m *Manifest) Encode() ([]byte, error) {
	if m.Format == "" {
		m.Format = Format
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	m.FileCount = len(m.Files)
	m.TotalSize = 0
	for _, f := range m.Files {
		m.TotalSize += f.Size
	}
	m.Created = m.Created.UTC().Truncate(time.Second)
	if err := m.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("manifest encode: %w", err)
	}
	return buf.Bytes(), nil
}

// Parse decodes and validates manifest bytes. Unknown fields are allowed
// (later formats may add some); a wrong format, bad name, unsafe or
// duplicate path, bad hash or inconsistent count is an error.
func Parse(b []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, archive.Errorf(archive.EInvalid, "manifest: %v", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the manifest's invariants.
func (m *Manifest) Validate() error {
	bad := func(format string, args ...any) error {
		return archive.Errorf(archive.EInvalid, "manifest: "+format, args...)
	}
	if m.Format != Format {
		return bad("format %q, want %q", m.Format, Format)
	}
	if !ValidName(m.Name) {
		return bad("bad release name %q", m.Name)
	}
	if m.Level != string(archive.LevelPublic) && m.Level != string(archive.LevelLimited) {
		return bad("level %q: a release is public or limited", m.Level)
	}
	if !archive.ValidSlug(m.Dataset.Slug) {
		return bad("bad dataset slug %q", m.Dataset.Slug)
	}
	seen := make(map[string]bool, len(m.Files))
	var total int64
	for _, f := range m.Files {
		if !ValidPath(f.Path) {
			return bad("unsafe path %q", f.Path)
		}
		if seen[f.Path] {
			return bad("duplicate path %q", f.Path)
		}
		seen[f.Path] = true
		if f.Size < 0 {
			return bad("%s: negative size", f.Path)
		}
		if _, err := archive.ParseBlobID(f.SHA256); err != nil {
			return bad("%s: bad sha256 %q", f.Path, f.SHA256)
		}
		total += f.Size
	}
	// A file path must not also be a folder of another file.
	for p := range seen {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			if seen[dir] {
				return bad("%q is both a file and a folder", dir)
			}
		}
	}
	if m.FileCount != len(m.Files) || m.TotalSize != total {
		return bad("counts do not match the file list (%d files, %d bytes listed)", len(m.Files), total)
	}
	return nil
}

// Blob returns a file's content ID.
func (f ManifestFile) Blob() archive.BlobID {
	id, _ := archive.ParseBlobID(f.SHA256)
	return id
}

// Sums returns the SHA256SUMS text for the release folder: one line per
// file, "<hash>  <name>/<path>", the format `sha256sum -c` reads.
func (m *Manifest) Sums() []byte {
	var b bytes.Buffer
	for _, f := range m.Files {
		fmt.Fprintf(&b, "%s  %s/%s\n", f.SHA256, m.Name, f.Path)
	}
	return b.Bytes()
}

// Digest returns the hex SHA-256 of manifest bytes: how releases are
// compared between archive and mirrors.
func Digest(manifest []byte) string {
	sum := sha256.Sum256(manifest)
	return hex.EncodeToString(sum[:])
}

// ReleaseFiles converts the manifest's file list for the catalog.
func (m *Manifest) ReleaseFiles() []archive.ReleaseFile {
	out := make([]archive.ReleaseFile, len(m.Files))
	for i, f := range m.Files {
		out[i] = archive.ReleaseFile{Path: f.Path, Size: f.Size, Blob: f.Blob(), ItemID: f.Item}
	}
	return out
}
