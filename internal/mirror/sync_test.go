package mirror_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/mirror"
	"github.com/trove-archive/trove/internal/release"
)

func TestSyncHappyPath(t *testing.T) {
	ctx := context.Background()
	key := MustKey(t)
	r1 := MustRelease(t, key, "leak-r1", map[string][]byte{
		"a.txt":            []byte("alpha\n"),
		"mail/2024/b.eml":  []byte("From: x\n\nbody\n"),
		"mail/2024/copy":   []byte("alpha\n"), // same content as a.txt
		"empty":            {},
		"docs/big one.pdf": randomBytes(1, 300<<10),
	})
	r2 := MustRelease(t, key, "leak-r2", map[string][]byte{"x/y/z.bin": randomBytes(2, 70<<10)})
	origin := serve(t, MustTree(t, r1, r2))
	st := MustStore(t)
	cat := newCatalog()
	opts := testOptions(t, st)
	opts.PartialDir = "" // the default, next to the store
	var progMu sync.Mutex
	var last = map[string]mirror.Progress{}
	opts.Progress = func(p mirror.Progress) {
		progMu.Lock()
		last[p.Release] = p
		progMu.Unlock()
	}
	s := mirror.New(opts)
	storeDir := filepath.Dir(filepath.Dir(filepath.Dir(st.Path(archive.BlobID{}))))
	if want := filepath.Join(filepath.Dir(storeDir), "mirror-partial"); s.PartialDir() != want {
		t.Errorf("PartialDir = %s, want %s", s.PartialDir(), want)
	}

	rep, err := s.Sync(ctx, key.PublicKey(), []mirror.Source{{URL: origin.URL + "/"}}, cat)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if got := statuses(rep); got["leak-r1"] != mirror.StatusSynced || got["leak-r2"] != mirror.StatusSynced || len(got) != 2 {
		t.Fatalf("statuses %v, want both synced; report %+v", got, rep)
	}
	rr := findRelease(t, rep, "leak-r1")
	if rr.Files != 5 || rr.Fetched != 4 || len(rr.BadSources) != 0 || rr.Err != "" {
		t.Errorf("leak-r1 report %+v, want 5 files, 4 distinct ones stored", rr)
	}
	if hits := origin.Hits(filesPath("leak-r1", "empty")); len(hits) != 0 {
		t.Errorf("an empty file was requested: %+v", hits)
	}
	if hits := origin.Hits(filesPath("leak-r1", "docs/big one.pdf")); len(hits) != 1 {
		t.Errorf("requests of a file with a space: %+v", hits)
	}
	if want := r1.m.TotalSize + r2.m.TotalSize - int64(len("alpha\n")); rep.BytesFetched != want {
		t.Errorf("BytesFetched = %d, want %d", rep.BytesFetched, want)
	}
	assertStored(t, st, r1)
	assertStored(t, st, r2)
	added := cat.Added()
	if len(added) != 2 {
		t.Fatalf("AddRelease called %d times, want 2", len(added))
	}
	for _, p := range added {
		want := map[string]*testRelease{"leak-r1": r1, "leak-r2": r2}[p.Manifest.Name]
		if want == nil || !bytes.Equal(p.Raw, want.raw) || !bytes.Equal(p.Signature, want.sig) || p.Source != origin.URL {
			t.Errorf("AddRelease(%s): raw equal %v, signature equal %v, source %q",
				p.Manifest.Name, want != nil && bytes.Equal(p.Raw, want.raw), want != nil && bytes.Equal(p.Signature, want.sig), p.Source)
		}
	}
	if p := last["leak-r1"]; p.Files != 5 || p.FilesTotal != 5 || p.Bytes != r1.m.TotalSize || p.BytesTotal != r1.m.TotalSize {
		t.Errorf("last progress of leak-r1 = %+v", p)
	}
	if left := partials(t, s.PartialDir()); len(left) != 0 {
		t.Errorf("partial files left: %v", left)
	}

	// Second run: nothing to do, not even a manifest to fetch.
	before := len(origin.Hits("/"))
	rep, err = s.Sync(ctx, key.PublicKey(), []mirror.Source{{URL: origin.URL}}, cat)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(rep); got["leak-r1"] != mirror.StatusUpToDate || got["leak-r2"] != mirror.StatusUpToDate {
		t.Errorf("second sync statuses %v, want up-to-date", got)
	}
	if rep.BytesFetched != 0 || len(cat.Added()) != 2 {
		t.Errorf("second sync fetched %d bytes, AddRelease calls %d", rep.BytesFetched, len(cat.Added()))
	}
	for _, h := range origin.Hits("/")[before:] {
		if strings.HasPrefix(h.Path, "/files/") || strings.HasSuffix(h.Path, release.ManifestName) {
			t.Errorf("second sync asked %s", h.Path)
		}
	}

	// An index that lies about the digest costs a manifest fetch, no more.
	mustWrite(t, filepath.Join(origin.root, "releases", "index.json"),
		[]byte(`{"releases":[{"name":"leak-r1","manifest_sha256":"`+strings.Repeat("ab", 32)+`"}]}`))
	rep, err = s.Sync(ctx, key.PublicKey(), []mirror.Source{{URL: origin.URL}}, cat)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(rep); got["leak-r1"] != mirror.StatusUpToDate || rep.BytesFetched != 0 {
		t.Errorf("lying index: statuses %v, %d bytes fetched", got, rep.BytesFetched)
	}
}

func TestSyncResume(t *testing.T) {
	ctx := context.Background()
	key := MustKey(t)
	big := randomBytes(3, 4<<20)
	r := MustRelease(t, key, "big-r1", map[string][]byte{"dump/big.bin": big})
	bigPath := filesPath("big-r1", "dump/big.bin")
	sum := archive.Hash(big).String()

	tests := []struct {
		name        string
		partial     []byte                 // in the partial folder before the sync
		dropFirstAt int64                  // drop the first transfer after this many bytes (0: never)
		ignoreRange bool                   // the server answers 200 to a Range request
		wantRange   func(first hit) string // the Range header of the first request of the file
	}{
		{name: "dropped connection", dropFirstAt: 1 << 20},
		{name: "after a crash", partial: big[:1500000],
			wantRange: func(hit) string { return "bytes=1500000-" }},
		{name: "source ignores Range", partial: big[:1500000], ignoreRange: true},
		{name: "damaged partial", partial: randomBytes(99, 1<<20),
			wantRange: func(hit) string { return "bytes=1048576-" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := serve(t, MustTree(t, r))
			origin.ignoreRange = tt.ignoreRange
			if tt.dropFirstAt > 0 {
				var once sync.Once
				origin.dropAfter = func(req *http.Request) int64 {
					limit := int64(-1)
					if req.URL.Path == bigPath {
						once.Do(func() { limit = tt.dropFirstAt })
					}
					return limit
				}
			}
			st := MustStore(t)
			opts := testOptions(t, st)
			if tt.partial != nil {
				mustWrite(t, filepath.Join(opts.PartialDir, sum+".part"), tt.partial)
			}
			cat := newCatalog()
			rep, err := mirror.New(opts).Sync(ctx, key.PublicKey(), []mirror.Source{{URL: origin.URL}}, cat)
			if err != nil {
				t.Fatal(err)
			}
			rr := findRelease(t, rep, "big-r1")
			if rr.Status != mirror.StatusSynced || len(rr.BadSources) != 0 {
				t.Fatalf("report %+v, want synced with no bad source", rr)
			}
			assertStored(t, st, r)
			hits := origin.Hits(bigPath)
			var served int64
			for _, h := range hits {
				served += h.Bytes
			}
			t.Logf("requests %+v", hits)
			size := int64(len(big))
			if served >= 2*size || rep.BytesFetched >= 2*size || rep.BytesFetched != served {
				t.Errorf("served %d bytes, fetched %d, for a file of %d", served, rep.BytesFetched, size)
			}
			switch {
			case tt.dropFirstAt > 0:
				if len(hits) != 2 || hits[0].Range != "" || hits[0].Bytes != tt.dropFirstAt {
					t.Fatalf("hits %+v, want a first whole request dropped after %d bytes", hits, tt.dropFirstAt)
				}
				start, ok := strings.CutPrefix(hits[1].Range, "bytes=")
				n, err := strconv.ParseInt(strings.TrimSuffix(start, "-"), 10, 64)
				if !ok || err != nil || n <= 0 || n > tt.dropFirstAt {
					t.Errorf("second request Range %q, want bytes=N- with 0 < N <= %d", hits[1].Range, tt.dropFirstAt)
				}
				if hits[1].Bytes != size-n {
					t.Errorf("second request sent %d bytes, want the %d missing", hits[1].Bytes, size-n)
				}
			case tt.ignoreRange:
				if len(hits) != 1 || hits[0].Bytes != size {
					t.Errorf("hits %+v, want one whole transfer", hits)
				}
			case tt.wantRange != nil:
				if got, want := hits[0].Range, tt.wantRange(hits[0]); got != want {
					t.Errorf("first request Range %q, want %q", got, want)
				}
			}
			if tt.partial != nil && string(tt.partial) != string(big[:len(tt.partial)]) {
				// The damaged partial was resumed, failed the hash check and
				// was fetched again whole, without blaming the source.
				if len(hits) != 2 || hits[1].Range != "" {
					t.Errorf("hits %+v, want a resume then a whole transfer", hits)
				}
			}
			if left := partials(t, opts.PartialDir); len(left) != 0 {
				t.Errorf("partial files left: %v", left)
			}
		})
	}
}

func TestSyncStalledSource(t *testing.T) {
	// A source that stops sending is given up after StallTimeout and the
	// rest of the file comes from another source, resuming the partial.
	key := MustKey(t)
	big := randomBytes(5, 4<<20)
	r := MustRelease(t, key, "stall-r1", map[string][]byte{"big.bin": big})
	stalled := serve(t, MustTree(t, r))
	const sent = 1 << 20
	stalled.hangAfter = func(req *http.Request) int64 {
		switch {
		case !strings.HasPrefix(req.URL.Path, "/files/"):
			return -1
		case req.Header.Get("Range") == "":
			return sent
		default:
			return 0
		}
	}
	good := serve(t, MustTree(t, r))
	st := MustStore(t)
	opts := testOptions(t, st)
	opts.StallTimeout = 300 * time.Millisecond
	rep, err := mirror.New(opts).Sync(context.Background(), key.PublicKey(),
		[]mirror.Source{{URL: stalled.URL}, {URL: good.URL}}, newCatalog())
	if err != nil {
		t.Fatal(err)
	}
	if rr := findRelease(t, rep, "stall-r1"); rr.Status != mirror.StatusSynced || len(rr.BadSources) != 0 {
		t.Fatalf("report %+v, want synced, no source blamed", rr)
	}
	assertStored(t, st, r)
	hits := good.Hits("/files/")
	if len(hits) != 1 || hits[0].Range != fmt.Sprintf("bytes=%d-", sent) || hits[0].Bytes != int64(len(big))-sent {
		t.Errorf("good source hits %+v, want one request for the rest from byte %d", hits, sent)
	}
}

func TestSyncFailover(t *testing.T) {
	ctx := context.Background()
	key := MustKey(t)
	files := map[string][]byte{}
	for i := range 4 {
		files[fmt.Sprintf("f%d.bin", i)] = randomBytes(uint64(10+i), 50<<10)
	}
	r := MustRelease(t, key, "seized-r1", files)

	for _, discovered := range []bool{true, false} {
		t.Run(map[bool]string{true: "discovered mirror", false: "second source"}[discovered], func(t *testing.T) {
			mirrorSrv := serve(t, MustTree(t, r))
			originRoot := MustTree(t, r)
			origin := serve(t, originRoot)
			sources := []mirror.Source{{URL: origin.URL, Token: "s3cret"}}
			if discovered {
				mustMirrors(t, originRoot, mirrorSrv.URL+"/")
			} else {
				sources = append(sources, mirror.Source{URL: mirrorSrv.URL})
			}
			var once sync.Once
			origin.after = func(s *server, req *http.Request) {
				if strings.HasPrefix(req.URL.Path, "/files/") {
					once.Do(s.kill) // seized after serving one file
				}
			}
			st := MustStore(t)
			opts := testOptions(t, st)
			opts.Workers = 1
			cat := newCatalog()
			rep, err := mirror.New(opts).Sync(ctx, key.PublicKey(), sources, cat)
			if err != nil {
				t.Fatal(err)
			}
			if rr := findRelease(t, rep, "seized-r1"); rr.Status != mirror.StatusSynced || rr.Fetched != 4 {
				t.Fatalf("report %+v, want synced with 4 files fetched", rr)
			}
			assertStored(t, st, r)
			if len(cat.Added()) != 1 {
				t.Errorf("AddRelease called %d times", len(cat.Added()))
			}
			if got := len(origin.Hits("/files/")); got != 1 {
				t.Errorf("origin served %d files before its seizure, want 1", got)
			}
			if got := len(mirrorSrv.Hits("/files/")); got != 3 {
				t.Errorf("mirror served %d files, want 3", got)
			}
			if discovered && !slices.Equal(rep.Discovered, []string{mirrorSrv.URL}) {
				t.Errorf("Discovered = %v, want [%s]", rep.Discovered, mirrorSrv.URL)
			}
			if !discovered && len(rep.Discovered) != 0 {
				t.Errorf("Discovered = %v, want none", rep.Discovered)
			}
			for _, h := range origin.Hits("/") {
				if h.Auth != "Bearer s3cret" {
					t.Errorf("origin got %s with Authorization %q", h.Path, h.Auth)
				}
			}
			for _, h := range mirrorSrv.Hits("/") {
				if h.Auth != "" {
					t.Errorf("the origin's token was sent to the mirror (%s)", h.Path)
				}
			}
		})
	}
}

func TestSyncTamperedFile(t *testing.T) {
	ctx := context.Background()
	key := MustKey(t)
	good := randomBytes(20, 100<<10)
	r := MustRelease(t, key, "tamper-r1", map[string][]byte{"evidence.pdf": good, "other.txt": []byte("other\n")})
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1

	tests := []struct {
		name     string
		bad      []byte // what the first source serves for evidence.pdf
		withGood bool   // a second source serves the right bytes
		chunked  bool   // the first source sends no Content-Length
	}{
		{"flipped byte, good mirror", flipped, true, false},
		{"longer, good mirror", append(bytes.Clone(good), 'x'), true, false},
		{"shorter, good mirror", good[:len(good)-1], true, false},
		{"longer without Content-Length", append(bytes.Clone(good), "more"...), true, true},
		{"flipped byte, no good source", flipped, false, false},
		{"flipped byte without Content-Length, no good source", flipped, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			badRoot := MustTree(t, r)
			mustWrite(t, filepath.Join(badRoot, "files", "tamper-r1", "evidence.pdf"), tt.bad)
			bad := serve(t, badRoot)
			bad.chunked = tt.chunked
			sources := []mirror.Source{{URL: bad.URL}}
			var goodSrv *server
			if tt.withGood {
				goodSrv = serve(t, MustTree(t, r))
				sources = append(sources, mirror.Source{URL: goodSrv.URL})
			}
			st := MustStore(t)
			opts := testOptions(t, st)
			opts.Workers = 1
			cat := newCatalog()
			rep, err := mirror.New(opts).Sync(ctx, key.PublicKey(), sources, cat)
			if err != nil {
				t.Fatal(err)
			}
			rr := findRelease(t, rep, "tamper-r1")
			if !slices.Equal(rr.BadSources, []string{bad.URL}) {
				t.Errorf("BadSources = %v, want [%s]", rr.BadSources, bad.URL)
			}
			assertNotStored(t, st, tt.bad)
			if left := partials(t, opts.PartialDir); len(left) != 0 {
				t.Errorf("partial files left: %v", left)
			}
			if tt.withGood {
				if rr.Status != mirror.StatusSynced || len(cat.Added()) != 1 {
					t.Fatalf("report %+v, AddRelease calls %d; want synced", rr, len(cat.Added()))
				}
				assertStored(t, st, r)
				if len(goodSrv.Hits(filesPath("tamper-r1", "evidence.pdf"))) != 1 {
					t.Errorf("good source not asked for the file")
				}
			} else {
				if rr.Status != mirror.StatusIncomplete || rr.Err == "" || len(cat.Added()) != 0 {
					t.Errorf("report %+v, AddRelease calls %d; want incomplete, never added", rr, len(cat.Added()))
				}
				_, err := st.Stat(ctx, archive.Hash(good))
				if archive.ErrorCode(err) != archive.ENotFound {
					t.Errorf("good hash in the store without good bytes served: %v", err)
				}
			}
		})
	}
}

func TestSyncRefusesManifest(t *testing.T) {
	ctx := context.Background()
	key := MustKey(t)
	other := MustKey(t)
	files := map[string][]byte{"a.txt": []byte("a\n")}
	r := MustRelease(t, key, "sig-r1", files)
	forged := MustRelease(t, other, "sig-r1", files) // same manifest, another key

	traversal := MustRelease(t, key, "sig-r1", files)
	traversal.raw = bytes.Replace(traversal.raw, []byte(`"path": "a.txt"`), []byte(`"path": "../x"`), 1)
	if !bytes.Contains(traversal.raw, []byte(`"../x"`)) {
		t.Fatalf("could not build the traversal manifest:\n%s", traversal.raw)
	}
	traversal.sig = key.Sign(traversal.m, traversal.raw) // signed by the right key

	renamed := MustRelease(t, key, "sig-r2", files) // signed, but for another name

	tests := []struct {
		name      string
		first     *testRelease // served by the first source under the name sig-r1
		withGood  bool
		want      string
		wantBlame bool
	}{
		{"other key", forged, false, mirror.StatusRefused, true},
		{"path traversal", traversal, false, mirror.StatusRefused, false},
		{"another release's manifest", renamed, false, mirror.StatusRefused, false},
		{"other key, good second source", forged, true, mirror.StatusSynced, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := MustTree(t, r)
			dir := filepath.Join(root, "releases", "sig-r1")
			mustWrite(t, filepath.Join(dir, release.ManifestName), tt.first.raw)
			mustWrite(t, filepath.Join(dir, release.SignatureName), tt.first.sig)
			first := serve(t, root)
			sources := []mirror.Source{{URL: first.URL}}
			if tt.withGood {
				sources = append(sources, mirror.Source{URL: serve(t, MustTree(t, r)).URL})
			}
			st := MustStore(t)
			cat := newCatalog()
			rep, err := mirror.New(testOptions(t, st)).Sync(ctx, key.PublicKey(), sources, cat)
			if err != nil {
				t.Fatal(err)
			}
			rr := findRelease(t, rep, "sig-r1")
			if rr.Status != tt.want {
				t.Fatalf("status %q (%s), want %q", rr.Status, rr.Err, tt.want)
			}
			if tt.wantBlame != slices.Contains(rr.BadSources, first.URL) {
				t.Errorf("BadSources = %v; want first source blamed: %v", rr.BadSources, tt.wantBlame)
			}
			if tt.want == mirror.StatusRefused {
				if len(cat.Added()) != 0 || rr.Err == "" {
					t.Errorf("refused release: AddRelease calls %d, Err %q", len(cat.Added()), rr.Err)
				}
				if hits := first.Hits("/files/"); len(hits) != 0 {
					t.Errorf("files requested for a refused release: %+v", hits)
				}
			} else if len(cat.Added()) != 1 || !bytes.Equal(cat.Added()[0].Raw, r.raw) {
				t.Errorf("AddRelease not called with the genuine manifest")
			}
		})
	}
}

func TestSyncRateLimit(t *testing.T) {
	key := MustKey(t)
	const rate = 1 << 20
	r := MustRelease(t, key, "slow-r1", map[string][]byte{
		"a.bin": randomBytes(30, 1536<<10),
		"b.bin": randomBytes(31, 1536<<10),
	})
	origin := serve(t, MustTree(t, r))
	st := MustStore(t)
	opts := testOptions(t, st)
	opts.RateLimit = rate
	opts.Workers = 4
	start := time.Now()
	rep, err := mirror.New(opts).Sync(context.Background(), key.PublicKey(), []mirror.Source{{URL: origin.URL}}, newCatalog())
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(rep)["slow-r1"]; got != mirror.StatusSynced {
		t.Fatalf("status %q", got)
	}
	// 3 MiB at 1 MiB/s over all workers: about 3 s. Lower bound only.
	want := time.Duration(float64(r.m.TotalSize)/rate*float64(time.Second)) * 8 / 10
	if elapsed < want {
		t.Errorf("3 MiB at %d B/s took %v, want at least %v", rate, elapsed, want)
	}
	t.Logf("took %v", elapsed)
}

func TestSyncErrors(t *testing.T) {
	ctx := context.Background()
	key := MustKey(t)
	st := MustStore(t)
	s := mirror.New(testOptions(t, st))
	dead := serve(t, t.TempDir())
	dead.Close()
	tests := []struct {
		name    string
		pubKey  string
		sources []mirror.Source
	}{
		{"bad key", "not a key", []mirror.Source{{URL: dead.URL}}},
		{"no source", key.PublicKey(), nil},
		{"none reachable", key.PublicKey(), []mirror.Source{{URL: dead.URL}}},
		{"no index", key.PublicKey(), []mirror.Source{{URL: serve(t, t.TempDir()).URL}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := s.Sync(ctx, tt.pubKey, tt.sources, newCatalog())
			if err == nil || rep == nil {
				t.Errorf("Sync: report %v, err %v; want a report and an error", rep, err)
			}
		})
	}
}

func TestSyncIncompleteHeldRelease(t *testing.T) {
	// A release the catalog holds incomplete is completed and added again;
	// files already in the store are not fetched.
	ctx := context.Background()
	key := MustKey(t)
	r := MustRelease(t, key, "part-r1", map[string][]byte{"a": []byte("a"), "b": []byte("bb")})
	origin := serve(t, MustTree(t, r))
	st := MustStore(t)
	if _, _, err := st.Put(ctx, bytes.NewReader([]byte("a"))); err != nil {
		t.Fatal(err)
	}
	cat := newCatalog()
	cat.held["part-r1"] = heldRelease{r.raw, false}
	rep, err := mirror.New(testOptions(t, st)).Sync(ctx, key.PublicKey(), []mirror.Source{{URL: origin.URL}}, cat)
	if err != nil {
		t.Fatal(err)
	}
	rr := findRelease(t, rep, "part-r1")
	if rr.Status != mirror.StatusSynced || rr.Fetched != 1 || rep.BytesFetched != 2 || len(cat.Added()) != 1 {
		t.Errorf("report %+v, %d bytes, AddRelease calls %d", rr, rep.BytesFetched, len(cat.Added()))
	}
	if hits := origin.Hits(filesPath("part-r1", "a")); len(hits) != 0 {
		t.Errorf("a stored file was fetched again")
	}
}

func TestSyncRefetchesLostFiles(t *testing.T) {
	// A release held complete whose blobs left the store (a lost disk,
	// a blob quarantined by trove check --repair) gets exactly those
	// fetched again, and is reported repaired; the catalog is not asked
	// to add it again.
	ctx := context.Background()
	key := MustKey(t)
	r := MustRelease(t, key, "lost-r1", map[string][]byte{"a": []byte("alpha"), "b": []byte("bravo"), "c": []byte("alpha")})
	origin := serve(t, MustTree(t, r))
	st := MustStore(t)
	cat := newCatalog()
	s := mirror.New(testOptions(t, st))
	sources := []mirror.Source{{URL: origin.URL}}
	if rep, err := s.Sync(ctx, key.PublicKey(), sources, cat); err != nil || statuses(rep)["lost-r1"] != mirror.StatusSynced {
		t.Fatalf("first sync: %v %+v", err, rep)
	}
	lostBlob := archive.BlobID(sha256.Sum256([]byte("alpha")))
	if err := os.Remove(st.Path(lostBlob)); err != nil {
		t.Fatal(err)
	}
	before := len(origin.Hits(filesPath("lost-r1", "b")))
	rep, err := s.Sync(ctx, key.PublicKey(), sources, cat)
	if err != nil {
		t.Fatal(err)
	}
	rr := findRelease(t, rep, "lost-r1")
	if rr.Status != mirror.StatusRepaired || rr.Fetched != 1 || rep.BytesFetched != int64(len("alpha")) || len(cat.Added()) != 1 {
		t.Errorf("report %+v, %d bytes, AddRelease calls %d; want repaired, 1 file of 5 bytes, no new add", rr, rep.BytesFetched, len(cat.Added()))
	}
	if n := len(origin.Hits(filesPath("lost-r1", "b"))); n != before {
		t.Errorf("a file still in the store was fetched again")
	}
	assertStored(t, st, r)
	// Whole again: up to date, nothing fetched.
	rep, err = s.Sync(ctx, key.PublicKey(), sources, cat)
	if err != nil || statuses(rep)["lost-r1"] != mirror.StatusUpToDate || rep.BytesFetched != 0 {
		t.Errorf("third sync: %v, %+v", err, rep)
	}
}

func TestRun(t *testing.T) {
	key := MustKey(t)
	r := MustRelease(t, key, "run-r1", map[string][]byte{"a": []byte("a")})
	origin := serve(t, MustTree(t, r))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		mirror.New(testOptions(t, MustStore(t))).Run(ctx, 20*time.Millisecond, key.PublicKey(),
			[]mirror.Source{{URL: origin.URL}}, newCatalog(), func(rep *mirror.Report, err error) {
				if err != nil {
					t.Errorf("Sync: %v", err)
					return
				}
				got = append(got, statuses(rep)["run-r1"])
				if len(got) == 3 {
					cancel()
				}
			})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop after its context ended")
	}
	if want := []string{mirror.StatusSynced, mirror.StatusUpToDate, mirror.StatusUpToDate}; !slices.Equal(got, want) {
		t.Errorf("reports %v, want %v", got, want)
	}
}
