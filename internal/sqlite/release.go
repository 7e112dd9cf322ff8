package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

var _ archive.Releases = (*DB)(nil)

// releaseClause is the visibility rule for releases (alias r) of datasets
// (alias d): the dataset must be readable now, and a limited release needs
// an editor or a journalist granted the dataset.
func releaseClause(p archive.Principal) string {
	c := accessClause(p, "d")
	if p.SeesAll() {
		return c
	}
	limited := "0"
	if p.Role == archive.RoleJournalist {
		if ids := p.GrantedDatasets(); len(ids) > 0 {
			s := make([]string, len(ids))
			for i, id := range ids {
				s[i] = strconv.FormatInt(id, 10)
			}
			limited = "d.id IN (" + strings.Join(s, ",") + ")"
		}
	}
	return "(" + c + " AND (r.level = 'public' OR " + limited + "))"
}

// CreateRelease implements archive.Releases.
func (d *DB) CreateRelease(ctx context.Context, r *archive.Release, files []archive.ReleaseFile) error {
	if r.Level != archive.LevelPublic && r.Level != archive.LevelLimited {
		return archive.Errorf(archive.EInvalid, "release %s: level %q: a release is public or limited", r.Name, r.Level)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("create release %s: %w", r.Name, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO releases (name, dataset_id, level, created, files, size, manifest, signature, infohash, info, origin, complete)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Name, r.DatasetID, string(r.Level), r.Created.Unix(), len(files), r.Size, r.Manifest, r.Signature, r.InfoHash, r.Info, r.Origin, r.Complete)
	if isUnique(err) {
		return archive.Errorf(archive.EConflict, "release %q already exists", r.Name)
	} else if err != nil {
		return fmt.Errorf("create release %s: %w", r.Name, err)
	}
	if r.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("create release %s: %w", r.Name, err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO release_files (release_id, seq, path, size, sha256, item) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("create release %s: %w", r.Name, err)
	}
	defer st.Close()
	for i, f := range files {
		if _, err := st.ExecContext(ctx, r.ID, i, f.Path, f.Size, f.Blob[:], f.ItemID); err != nil {
			return fmt.Errorf("create release %s: file %s: %w", r.Name, f.Path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("create release %s: %w", r.Name, err)
	}
	r.Files = len(files)
	return nil
}

const releaseCols = `r.id, r.name, r.dataset_id, d.slug, d.title, r.level, d.countries, r.created, r.files, r.size,
	r.manifest, r.signature, r.infohash, r.info, r.origin, r.complete`

func scanRelease(sc rowScanner) (*archive.Release, error) {
	var r archive.Release
	var level, countries string
	var created int64
	if err := sc.Scan(&r.ID, &r.Name, &r.DatasetID, &r.Dataset, &r.Title, &level, &countries, &created, &r.Files, &r.Size,
		&r.Manifest, &r.Signature, &r.InfoHash, &r.Info, &r.Origin, &r.Complete); err != nil {
		return nil, err
	}
	r.Level = archive.ReleaseLevel(level)
	r.Created = time.Unix(created, 0).UTC()
	if countries != "" {
		r.Countries = strings.Split(countries, ",")
	}
	return &r, nil
}

// Releases implements archive.Releases.
func (d *DB) Releases(ctx context.Context, p archive.Principal) ([]*archive.Release, error) {
	return queryAll(ctx, d.db, "list releases", scanRelease, `SELECT `+releaseCols+`
		FROM releases r JOIN datasets d ON d.id = r.dataset_id
		WHERE `+releaseClause(p)+` ORDER BY r.created DESC, r.id DESC`)
}

// Release implements archive.Releases.
func (d *DB) Release(ctx context.Context, p archive.Principal, name string) (*archive.Release, error) {
	r, err := scanRelease(d.db.QueryRowContext(ctx, `SELECT `+releaseCols+`
		FROM releases r JOIN datasets d ON d.id = r.dataset_id
		WHERE r.name = ? AND `+releaseClause(p), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, archive.Errorf(archive.ENotFound, "release %q not found", name)
	} else if err != nil {
		return nil, fmt.Errorf("release %s: %w", name, err)
	}
	return r, nil
}

// ReleaseFiles implements archive.Releases.
func (d *DB) ReleaseFiles(ctx context.Context, p archive.Principal, name string) ([]archive.ReleaseFile, error) {
	r, err := d.Release(ctx, p, name)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, d.db, "release files", func(sc rowScanner) (archive.ReleaseFile, error) {
		var f archive.ReleaseFile
		var sum []byte
		if err := sc.Scan(&f.Path, &f.Size, &sum, &f.ItemID); err != nil {
			return f, err
		}
		copy(f.Blob[:], sum)
		return f, nil
	}, `SELECT path, size, sha256, item FROM release_files WHERE release_id = ? ORDER BY seq`, r.ID)
}

// NextReleaseName returns "<slug>-r<N>" for the dataset's next release.
func (d *DB) NextReleaseName(ctx context.Context, ds *archive.Dataset) (string, error) {
	for n := 1; ; n++ {
		name := ds.Slug + "-r" + strconv.Itoa(n)
		var x int
		err := d.db.QueryRowContext(ctx, `SELECT 1 FROM releases WHERE name = ?`, name).Scan(&x)
		if errors.Is(err, sql.ErrNoRows) {
			return name, nil
		} else if err != nil {
			return "", fmt.Errorf("next release name: %w", err)
		}
	}
}

// ReleaseSource lists the original files of a dataset for a release: its
// top-level items (what was ingested, before any unpacking), by path; when
// a path was ingested again with other content, the latest.
func (d *DB) ReleaseSource(ctx context.Context, datasetID int64) ([]archive.ReleaseFile, error) {
	return queryAll(ctx, d.db, "release source", func(sc rowScanner) (archive.ReleaseFile, error) {
		var f archive.ReleaseFile
		var sum []byte
		if err := sc.Scan(&f.ItemID, &f.Path, &f.Size, &sum); err != nil {
			return f, err
		}
		copy(f.Blob[:], sum)
		return f, nil
	}, `SELECT i.id, i.path, b.size, b.sha256 FROM items i JOIN blobs b ON b.id = i.blob_id
		WHERE i.id IN (SELECT max(id) FROM items WHERE dataset_id = ? AND parent_id = 0 GROUP BY path)
		ORDER BY i.path`, datasetID)
}

// AddMirror lists a mirror (idempotent).
func (d *DB) AddMirror(ctx context.Context, url string) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO mirrors (url, added) VALUES (?, ?) ON CONFLICT (url) DO NOTHING`, url, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("add mirror %s: %w", url, err)
	}
	return nil
}

// RemoveMirror removes a mirror from the list.
func (d *DB) RemoveMirror(ctx context.Context, url string) error {
	res, err := d.db.ExecContext(ctx, `DELETE FROM mirrors WHERE url = ?`, url)
	if err != nil {
		return fmt.Errorf("remove mirror %s: %w", url, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return archive.Errorf(archive.ENotFound, "mirror %q is not listed", url)
	}
	return nil
}

// Mirrors lists the mirrors, oldest first.
func (d *DB) Mirrors(ctx context.Context) ([]archive.Mirror, error) {
	return queryAll(ctx, d.db, "list mirrors", func(sc rowScanner) (archive.Mirror, error) {
		var m archive.Mirror
		var added int64
		err := sc.Scan(&m.URL, &added)
		m.Added = time.Unix(added, 0).UTC()
		return m, err
	}, `SELECT url, added FROM mirrors ORDER BY added, url`)
}

// AddUpstream records an archive to pull releases from. EConflict if the
// URL is already an upstream.
func (d *DB) AddUpstream(ctx context.Context, u *archive.Upstream) error {
	u.Added = time.Now().UTC().Truncate(time.Second)
	res, err := d.db.ExecContext(ctx, `INSERT INTO upstreams (url, pubkey, token, added) VALUES (?, ?, ?, ?)`, u.URL, u.PubKey, u.Token, u.Added.Unix())
	if isUnique(err) {
		return archive.Errorf(archive.EConflict, "upstream %q already added", u.URL)
	} else if err != nil {
		return fmt.Errorf("add upstream %s: %w", u.URL, err)
	}
	u.ID, err = res.LastInsertId()
	return err
}

// RemoveUpstream forgets an upstream.
func (d *DB) RemoveUpstream(ctx context.Context, url string) error {
	res, err := d.db.ExecContext(ctx, `DELETE FROM upstreams WHERE url = ?`, url)
	if err != nil {
		return fmt.Errorf("remove upstream %s: %w", url, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return archive.Errorf(archive.ENotFound, "upstream %q not found", url)
	}
	return nil
}

// Upstreams lists the upstreams in the order they were added.
func (d *DB) Upstreams(ctx context.Context) ([]*archive.Upstream, error) {
	return queryAll(ctx, d.db, "list upstreams", func(sc rowScanner) (*archive.Upstream, error) {
		var u archive.Upstream
		var added int64
		var last sql.NullInt64
		if err := sc.Scan(&u.ID, &u.URL, &u.PubKey, &u.Token, &added, &last, &u.LastErr); err != nil {
			return nil, err
		}
		u.Added = time.Unix(added, 0).UTC()
		if last.Valid {
			u.LastSync = time.Unix(last.Int64, 0).UTC()
		}
		return &u, nil
	}, `SELECT id, url, pubkey, token, added, last_sync, last_err FROM upstreams ORDER BY id`)
}

// UpstreamSynced records the outcome of a sync: err nil sets the time of the
// last good sync and clears the error.
func (d *DB) UpstreamSynced(ctx context.Context, id int64, at time.Time, syncErr error) error {
	var err error
	if syncErr == nil {
		_, err = d.db.ExecContext(ctx, `UPDATE upstreams SET last_sync = ?, last_err = '' WHERE id = ?`, at.Unix(), id)
	} else {
		_, err = d.db.ExecContext(ctx, `UPDATE upstreams SET last_err = ? WHERE id = ?`, syncErr.Error(), id)
	}
	if err != nil {
		return fmt.Errorf("upstream %d: %w", id, err)
	}
	return nil
}
