package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/mirror"
	"github.com/trove-archive/trove/internal/release"
	"github.com/trove-archive/trove/internal/torrent"
)

func cmdRelease(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "release", "release DATASET [--name NAME] [--out DIR] [--json]")
	name := fs.String("name", "", "release name (default DATASET-rN, the next free N)")
	out := fs.String("out", "", "also write manifest.json, its signature, SHA256SUMS and the .torrent into this folder")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, a, err := m.operands(fs, args, 1, "exactly one DATASET")
	if err != nil {
		return err
	}
	ds, err := a.db.Dataset(ctx, archive.Admin(), pos[0])
	if err != nil {
		return err
	}
	key, created, err := release.LoadOrCreateKey(m.Config.keyDir())
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(m.Stderr, "trove: created the archive signing key in %s\n  public key: %s\n  keep a copy of %s offline; mirrors pin the public key.\n",
			m.Config.keyDir(), key.PublicKey(), release.SecretKeyFile)
	}
	r, tm, err := a.makeRelease(ctx, key, ds, *name, m.Config.BaseURL)
	if err != nil {
		return err
	}
	bases, err := a.bases(ctx, m.Config.BaseURL)
	if err != nil {
		return err
	}
	tf, err := torrentFile(r, bases, m.Config.Trackers)
	if err != nil {
		return err
	}
	if *out != "" {
		mf, err := release.Parse(r.Manifest)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		for name, b := range map[string][]byte{
			release.ManifestName: r.Manifest, release.SignatureName: r.Signature,
			release.SumsName: mf.Sums(), r.Name + ".torrent": tf,
		} {
			if err := os.WriteFile(filepath.Join(*out, name), b, 0o644); err != nil {
				return err
			}
		}
	}
	magnet := torrent.Magnet(r.InfoHash, r.Name, m.Config.Trackers, torrent.WebSeeds(bases))
	if *asJSON {
		return writeJSON(m.Stdout, map[string]any{
			"name": r.Name, "dataset": r.Dataset, "level": r.Level, "files": r.Files, "size": r.Size,
			"infohash": r.InfoHash, "manifest_sha256": release.Digest(r.Manifest), "magnet": magnet,
			"public_key": key.PublicKey(), "manifest_seconds": tm.Manifest.Seconds(), "torrent_seconds": tm.Torrent.Seconds(),
		})
	}
	fmt.Fprintf(m.Stdout, "release %s of %s (%s): %d files, %s\n  manifest sha256 %s (signed in %s)\n  info-hash %s (hashed in %s)\n  %s\n",
		r.Name, r.Dataset, r.Level, r.Files, archive.HumanBytes(r.Size), release.Digest(r.Manifest), tm.Manifest.Round(time.Millisecond),
		r.InfoHash, tm.Torrent.Round(time.Millisecond), magnet)
	return nil
}

func cmdReleases(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "releases", "releases [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	_, a, err := m.operands(fs, args, 0, "no arguments")
	if err != nil {
		return err
	}
	rs, err := a.db.Releases(ctx, archive.Admin())
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]map[string]any, 0, len(rs))
		for _, r := range rs {
			out = append(out, map[string]any{"name": r.Name, "dataset": r.Dataset, "level": r.Level, "created": r.Created,
				"files": r.Files, "size": r.Size, "infohash": r.InfoHash, "manifest_sha256": release.Digest(r.Manifest),
				"origin": r.Origin, "complete": r.Complete})
		}
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDATASET\tLEVEL\tFILES\tSIZE\tCREATED\tORIGIN")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.Name, r.Dataset, r.Level, r.Files, archive.HumanBytes(r.Size),
			r.Created.Format(time.DateOnly), or(r.Origin, "here"))
	}
	return tw.Flush()
}

func cmdKey(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "key", "key [--create]   print the archive's public signing key")
	create := fs.Bool("create", false, "create the key if there is none yet")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	var key *release.Key
	var err error
	if *create {
		key, _, err = release.LoadOrCreateKey(m.Config.keyDir())
	} else {
		key, err = release.LoadKey(m.Config.keyDir())
		if os.IsNotExist(err) || (err != nil && strings.Contains(err.Error(), "no such file")) {
			return archive.Errorf(archive.ENotFound, "no signing key yet: trove key --create, or make a release")
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s\n", key.PublicKey())
	fmt.Fprintf(m.Stderr, "public key file: %s (check a manifest with: minisign -Vm manifest.json -p %s)\n",
		filepath.Join(m.Config.keyDir(), release.PublicKeyFile), release.PublicKeyFile)
	return nil
}

// cmdVerifyRelease checks a release folder or a release at a URL against
// the pinned key: the signature, then every file's size and SHA-256.
func cmdVerifyRelease(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "verify-release", "verify-release FOLDER | URL/releases/NAME/ [--pubkey KEY | --pubkey-file FILE] [--token T] [--json]")
	pubKey := fs.String("pubkey", "", "the archive's minisign public key (base64 line)")
	pubFile := fs.String("pubkey-file", "", "the archive's public key file (archive.pub)")
	token := fs.String("token", "", "API token, for a limited release")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("verify-release: want one FOLDER or URL")
	}
	key, err := keyFlags(*pubKey, *pubFile)
	if err != nil {
		return err
	}
	if key == "" {
		// The key this archive vouches for: its own, or its upstream's.
		if a, err := m.open(); err == nil {
			if b, err := a.publicKey(ctx, m.Config.keyDir()); err == nil && b != nil {
				key = string(b)
			}
		}
	}
	if key == "" {
		return usagef("verify-release: give the archive's public key with --pubkey or --pubkey-file")
	}
	var rep *mirror.VerifyReport
	target := pos[0]
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		base, name, err := splitReleaseURL(target)
		if err != nil {
			return err
		}
		rep, err = mirror.VerifyURL(ctx, &http.Client{}, key, base, name, *token)
		if err != nil {
			return err
		}
	} else {
		if rep, err = mirror.VerifyDir(ctx, key, target); err != nil {
			return err
		}
	}
	if *asJSON {
		if err := writeJSON(m.Stdout, rep); err != nil {
			return err
		}
	} else {
		sig := "signature OK"
		if !rep.SignatureOK {
			sig = "SIGNATURE DOES NOT VERIFY"
		}
		fmt.Fprintf(m.Stdout, "release %s: %s; %d/%d files OK (%s)\n", rep.Name, sig, rep.OK, rep.Files, archive.HumanBytes(rep.Bytes))
		for _, b := range rep.Bad {
			fmt.Fprintf(m.Stdout, "  BAD %s: %s\n", b.Path, b.Problem)
		}
	}
	if !rep.SignatureOK || len(rep.Bad) > 0 {
		return archive.Errorf(archive.EInvalid, "release %s does not verify", rep.Name)
	}
	return nil
}

// splitReleaseURL splits http://host/prefix/releases/NAME/... into the
// archive's base URL and the release name.
func splitReleaseURL(s string) (string, string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", usagef("verify-release: %v", err)
	}
	i := strings.LastIndex(u.Path, "/releases/")
	if i < 0 {
		return "", "", usagef("verify-release: want a URL like http://archive/releases/NAME/")
	}
	name := strings.SplitN(u.Path[i+len("/releases/"):], "/", 2)[0]
	if !release.ValidName(name) {
		return "", "", usagef("verify-release: no release name in %s", s)
	}
	u.Path, u.RawQuery, u.Fragment = u.Path[:i], "", ""
	return strings.TrimRight(u.String(), "/"), name, nil
}

// keyFlags reads --pubkey or --pubkey-file: the key text, or "".
func keyFlags(pubKey, pubFile string) (string, error) {
	if pubFile == "" {
		return pubKey, nil
	}
	b, err := os.ReadFile(pubFile)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
