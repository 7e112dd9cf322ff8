package archive

import (
	"context"
	"time"
)

// Release is a frozen, signed copy of a dataset's content as the archive
// publishes it: a manifest of every original file (see package release),
// its minisign signature and a torrent. Releases are immutable; a new
// release of the same dataset gets a new name.
type Release struct {
	ID        int64
	Name      string // globally unique, e.g. "blueleaks-r1"; also the torrent's name
	DatasetID int64
	Dataset   string // dataset slug
	Title     string
	Level     ReleaseLevel // public or limited, as frozen in the manifest
	Countries []string
	Created   time.Time
	Files     int
	Size      int64  // total bytes of the files
	Manifest  []byte // manifest.json exactly as signed
	Signature []byte // manifest.json.minisig (minisign format)
	InfoHash  string // BitTorrent v1 info-hash, hex, lower case
	Info      []byte // bencoded info dictionary of the torrent (announce and web seeds are added when served)
	Origin    string // base URL of the archive that signed it ("" when made here)
	Complete  bool   // every file's blob is in the local store (mirrors fill in over time)
}

// ReleaseFile is one original file of a release.
type ReleaseFile struct {
	Path   string // slash-separated, relative to the release root
	Size   int64
	Blob   BlobID
	ItemID int64 // the item in the signing archive's catalog
}

// Releases stores releases. Reads take the reader's Principal: a release is
// visible when its level is public, or limited and the reader may read its
// dataset, and in both cases only while the dataset itself is readable
// (pulling a dataset back hides its releases). An invisible release reads as
// ENotFound and is absent from lists.
type Releases interface {
	// CreateRelease stores r with its files and sets r.ID. EConflict if
	// the name exists.
	CreateRelease(ctx context.Context, r *Release, files []ReleaseFile) error
	// Releases lists the releases p may read, newest first.
	Releases(ctx context.Context, p Principal) ([]*Release, error)
	// Release returns one release by name, or ENotFound.
	Release(ctx context.Context, p Principal, name string) (*Release, error)
	// ReleaseFiles lists a release's files in manifest order.
	ReleaseFiles(ctx context.Context, p Principal, name string) ([]ReleaseFile, error)
}

// Mirror is another server that holds copies of this archive's releases:
// published in the mirror list and as web seeds in every torrent.
type Mirror struct {
	URL   string // base URL, without trailing slash
	Added time.Time
}

// Upstream is an archive (origin or mirror) this server pulls releases from.
type Upstream struct {
	ID       int64
	URL      string // base URL, without trailing slash
	PubKey   string // pinned minisign public key of the signing archive (base64 line)
	Token    string // API token for limited releases ("" = public only)
	Added    time.Time
	LastSync time.Time // last sync that completed without error
	LastErr  string
}
