package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkArchive ingests a small leak (text files, a zip, an email with
// attachments) once and returns a function that copies the data folder
// for one damage fixture, and the folder of the originals.
func checkArchive(t *testing.T) (fresh func(t *testing.T) string, src string) {
	t.Helper()
	base := t.TempDir()
	src = filepath.Join(base, "leak")
	write(t, src, "docs/notes.txt", []byte("Meeting notes: operation amber falcon 4471, the quarterly invoice review.\n"))
	write(t, src, "docs/budget.txt", []byte("Budget line for the harbor dredging contract.\n"))
	write(t, src, "docs/archive.zip", zipOf(t, map[string][]byte{"inner/memo.txt": []byte("Zipped memo about operation silver otter 5678.\n")}))
	att := base64.StdEncoding.EncodeToString([]byte("Attachment: the spreadsheet for operation cobalt heron 1234.\n"))
	mail := "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.gov>\r\nSubject: Report\r\nDate: Tue, 05 Mar 2019 10:00:00 +0000\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find the mooring report attached.\r\n" +
		"--b\r\nContent-Type: text/plain; name=report.txt\r\nContent-Disposition: attachment; filename=report.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n" + att + "\r\n--b--\r\n"
	write(t, src, "mail/report.eml", []byte(mail))
	tmpl := filepath.Join(base, "data")
	mustRun(t, tmpl, "dataset", "create", "leak")
	mustRun(t, tmpl, "ingest", "--quiet", "leak", src)
	return func(t *testing.T) string {
		t.Helper()
		dst := filepath.Join(t.TempDir(), "data")
		copyTree(t, tmpl, dst)
		return dst
	}, src
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		out := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkRun runs trove check and returns stdout, stderr and the exit code.
func checkRun(t *testing.T, data string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb strings.Builder
	m := NewMain()
	m.Stdout, m.Stderr, m.Stdin = &out, &errb, strings.NewReader("")
	m.Config.DataDir = data
	err := m.Run(context.Background(), append([]string{"check", "--quiet"}, args...))
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return out.String(), errb.String(), m.exit(err)
}

type checkJSON struct {
	Damage []struct {
		Kind    string
		Blob    string
		BlobRow int64 `json:"blob_row"`
		Item    int64
		Table   string
		Message string
		UsedBy  []struct {
			Item    int64
			Dataset string
			Path    string
		} `json:"used_by"`
		Repaired bool
		Fix      string
	}
	Stats struct {
		StoredBlobs int64 `json:"stored_blobs"`
		StoredBytes int64 `json:"stored_bytes"`
		HashedBlobs int64 `json:"hashed_blobs"`
		HashedBytes int64 `json:"hashed_bytes"`
		Seed        uint64
	}
	Clean    bool
	Repaired bool `json:"repaired_all"`
}

func checkJSONRun(t *testing.T, data string, wantCode int, args ...string) checkJSON {
	t.Helper()
	out, errs, code := checkRun(t, data, append([]string{"--json"}, args...)...)
	if code != wantCode {
		t.Fatalf("check %v: exit %d, want %d\n%s%s", args, code, wantCode, out, errs)
	}
	var r checkJSON
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("check %v: %v\n%s", args, err, out)
	}
	return r
}

// blobOf returns the SHA-256 and blob row of the item at path.
func blobOf(t *testing.T, db *sql.DB, path string) (string, int64, int64) {
	t.Helper()
	var sha []byte
	var row, item int64
	if err := db.QueryRow(`SELECT b.sha256, b.id, i.id FROM items i JOIN blobs b ON b.id = i.blob_id WHERE i.path = ?`, path).Scan(&sha, &row, &item); err != nil {
		t.Fatalf("item %s: %v", path, err)
	}
	return hex.EncodeToString(sha), row, item
}

func rawDB(t *testing.T, data string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(data, "catalog.db")+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec1(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func blobFile(data, sha string) string {
	return filepath.Join(data, "blobs", sha[0:2], sha[2:4], sha)
}

func TestCheckDamagedArchives(t *testing.T) {
	fresh, src := checkArchive(t)

	t.Run("clean", func(t *testing.T) {
		data := fresh(t)
		out, errs, code := checkRun(t, data)
		if code != 0 || !strings.Contains(out, "no damage found") {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		r := checkJSONRun(t, data, 0)
		if !r.Clean || r.Stats.HashedBlobs != r.Stats.StoredBlobs || r.Stats.HashedBlobs < 6 {
			t.Fatalf("clean archive: %+v", r)
		}
	})

	t.Run("flipped byte", func(t *testing.T) {
		data := fresh(t)
		sha, row, item := blobOf(t, rawDB(t, data), "docs/notes.txt")
		p := blobFile(data, sha)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[10] ^= 0x01
		if err := os.WriteFile(p, b, 0o444); err != nil {
			t.Fatal(err)
		}
		out, errs, code := checkRun(t, data)
		want := fmt.Sprintf("corrupt blob %s (blob row %d): content does not match its SHA-256", sha, row)
		if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, fmt.Sprintf("used by item %d leak:", item)) {
			t.Fatalf("exit %d, want 1 and %q naming item %d\n%s%s", code, want, item, out, errs)
		}
		// Bytes cannot be rebuilt: repair names the blob, moves it
		// aside, and exits 1.
		r := checkJSONRun(t, data, 1, "--repair")
		if r.Repaired || len(r.Damage) != 1 || r.Damage[0].Repaired || !strings.Contains(r.Damage[0].Fix, "--restore") {
			t.Fatalf("repair of a corrupt blob: %+v", r)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("corrupt blob still in the store: %v", err)
		}
		q, _ := filepath.Glob(filepath.Join(data, "quarantine", sha+".*"))
		if len(q) != 1 {
			t.Fatalf("quarantine holds %v", q)
		}
		r = checkJSONRun(t, data, 1)
		if len(r.Damage) != 1 || r.Damage[0].Kind != "missing_blob" || r.Damage[0].Blob != sha {
			t.Fatalf("after quarantine: %+v", r.Damage)
		}
		// A good copy (the original) restores it.
		out = mustRun(t, data, "check", "--restore", src)
		if !strings.Contains(out, "restored "+sha) || !strings.Contains(out, "restored 1 blobs") {
			t.Fatalf("restore: %s", out)
		}
		checkJSONRun(t, data, 0)
	})

	t.Run("missing blob", func(t *testing.T) {
		data := fresh(t)
		// The attachment inside the email: a member, not a file on disk.
		sha, row, item := blobOf(t, rawDB(t, data), "mail/report.eml/report.txt")
		if err := os.Remove(blobFile(data, sha)); err != nil {
			t.Fatal(err)
		}
		out, errs, code := checkRun(t, data)
		want := fmt.Sprintf("missing blob %s (blob row %d): blob of", sha, row)
		if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, fmt.Sprintf("used by item %d leak:mail/report.eml/report.txt", item)) {
			t.Fatalf("exit %d, want 1 and %q\n%s%s", code, want, out, errs)
		}
		_, _, code = checkRun(t, data, "--repair")
		if code != 1 {
			t.Fatalf("repair of a missing blob: exit %d, want 1", code)
		}
	})

	t.Run("orphan row", func(t *testing.T) {
		data := fresh(t)
		db := rawDB(t, data)
		exec1(t, db, `INSERT INTO items (id, dataset_id, parent_id, blob_id, name, path) VALUES (9001, 1, 0, 424242, 'ghost.txt', 'ghost.txt')`)
		db.Close()
		out, errs, code := checkRun(t, data)
		want := "orphan item 9001 (leak:ghost.txt): blob row 424242 does not exist"
		if code != 1 || !strings.Contains(out, want) {
			t.Fatalf("exit %d, want 1 and %q\n%s%s", code, want, out, errs)
		}
		r := checkJSONRun(t, data, 3, "--repair")
		if !r.Repaired || len(r.Damage) != 1 || r.Damage[0].Item != 9001 {
			t.Fatalf("repair: %+v", r)
		}
		checkJSONRun(t, data, 0)
	})

	t.Run("missing index entries", func(t *testing.T) {
		data := fresh(t)
		items := itemCount(t, data)
		db := rawDB(t, data)
		leaf, leafRow, _ := blobOf(t, db, "docs/notes.txt")
		mail, mailRow, _ := blobOf(t, db, "mail/report.eml")
		for _, row := range []int64{leafRow, mailRow} {
			exec1(t, db, `DELETE FROM fts WHERE rowid BETWEEN ? AND ?`, row<<20, row<<20|(1<<20-1))
		}
		db.Close()
		if n := len(search(t, data, "amber falcon").Hits); n != 0 {
			t.Fatalf("index rows deleted, yet %d hits", n)
		}
		out, errs, code := checkRun(t, data)
		for _, want := range []string{
			fmt.Sprintf("item without index entry %s (blob row %d): 1 of its 1 text chunks are not in the full-text index", leaf, leafRow),
			fmt.Sprintf("item without index entry %s (blob row %d)", mail, mailRow),
		} {
			if code != 1 || !strings.Contains(out, want) {
				t.Fatalf("exit %d, want 1 and %q\n%s%s", code, want, out, errs)
			}
		}
		r := checkJSONRun(t, data, 3, "--repair")
		if !r.Repaired || len(r.Damage) != 2 {
			t.Fatalf("repair: %+v", r)
		}
		checkJSONRun(t, data, 0)
		for _, q := range []string{"amber falcon", "mooring"} {
			if n := len(search(t, data, q).Hits); n != 1 {
				t.Fatalf("after repair, %q: %d hits, want 1", q, n)
			}
		}
		if n := itemCount(t, data); n != items {
			t.Fatalf("repair changed the items: %d, want %d", n, items)
		}
	})

	t.Run("stale index entries", func(t *testing.T) {
		data := fresh(t)
		db := rawDB(t, data)
		_, row, _ := blobOf(t, db, "docs/budget.txt")
		exec1(t, db, `INSERT INTO fts (rowid, meta, body) VALUES (?, '', 'phantom zeppelin text')`, int64(777)<<20)
		exec1(t, db, `INSERT INTO fts (rowid, meta, body) VALUES (?, '', 'phantom zeppelin chunk')`, row<<20|5)
		exec1(t, db, `INSERT INTO chunk_pages (rowid, page) VALUES (?, 3)`, int64(778)<<20|2)
		db.Close()
		if n := len(search(t, data, "zeppelin").Hits); n == 0 {
			t.Fatal("stale rows not searchable: the fixture tests nothing")
		}
		out, errs, code := checkRun(t, data)
		for _, want := range []string{
			"stale index entry (blob row 777): 1 fts rows for blob row 777, which does not exist (chunk 0)",
			fmt.Sprintf("stale index entry (blob row %d): 1 fts rows for chunks of blob row %d beyond its 1 chunks (chunk 5)", row, row),
			"stale index entry (blob row 778): 1 chunk_pages rows for blob row 778, which does not exist (chunk 2)",
		} {
			if code != 1 || !strings.Contains(out, want) {
				t.Fatalf("exit %d, want 1 and %q\n%s%s", code, want, out, errs)
			}
		}
		r := checkJSONRun(t, data, 3, "--repair")
		if !r.Repaired || len(r.Damage) != 3 {
			t.Fatalf("repair: %+v", r)
		}
		checkJSONRun(t, data, 0)
		if n := len(search(t, data, "zeppelin").Hits); n != 0 {
			t.Fatalf("stale rows still found: %d hits", n)
		}
	})

	t.Run("damaged index", func(t *testing.T) {
		data := fresh(t)
		db := rawDB(t, data)
		_, row, _ := blobOf(t, db, "docs/budget.txt")
		// Text lost behind the index's back: the inverted index still
		// lists the chunk's words.
		exec1(t, db, `DELETE FROM fts_content WHERE id = ?`, row<<20)
		db.Close()
		out, errs, code := checkRun(t, data)
		if code != 1 || !strings.Contains(out, "damaged index fts: the full-text engine's integrity check of fts failed") {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		// Only the engine's own check sees this damage.
		if r := checkJSONRun(t, data, 0, "--skip-db-check"); !r.Clean {
			t.Fatalf("--skip-db-check: %+v", r.Damage)
		}
		r := checkJSONRun(t, data, 3, "--repair")
		if !r.Repaired {
			t.Fatalf("repair: %+v", r)
		}
		checkJSONRun(t, data, 0)
		if n := len(search(t, data, "dredging").Hits); n != 1 {
			t.Fatalf("after rebuild, dredging: %d hits, want 1", n)
		}
	})

	t.Run("orphan blob", func(t *testing.T) {
		data := fresh(t)
		body := []byte("a blob nothing refers to\n")
		sum := sha256.Sum256(body)
		sha := hex.EncodeToString(sum[:])
		write(t, filepath.Join(data, "blobs"), filepath.Join(sha[0:2], sha[2:4], sha), body)
		out, errs, code := checkRun(t, data)
		want := fmt.Sprintf("orphan blob %s: stored blob of %d bytes that no catalog row or release refers to", sha, len(body))
		if code != 1 || !strings.Contains(out, want) {
			t.Fatalf("exit %d, want 1 and %q\n%s%s", code, want, out, errs)
		}
		out, _, code = checkRun(t, data, "--repair")
		if code != 1 || !strings.Contains(out, "not repaired: kept") {
			t.Fatalf("repair of an orphan blob: exit %d\n%s", code, out)
		}
		if _, err := os.Stat(blobFile(data, sha)); err != nil {
			t.Fatalf("repair removed an orphan blob: %v", err)
		}
	})

	t.Run("usage", func(t *testing.T) {
		data := fresh(t)
		for _, args := range [][]string{{"--sample", "150"}, {"--seed", "3"}, {"extra"}, {"--restore"}} {
			if _, errs, code := checkRun(t, data, args...); code != 2 {
				t.Errorf("check %v: exit %d, want 2 (%s)", args, code, errs)
			}
		}
		if _, _, code := checkRun(t, data, "-h"); code != 0 {
			t.Errorf("check -h: exit %d", code)
		}
	})
}

func itemCount(t *testing.T, data string) int {
	t.Helper()
	var n int
	if err := rawDB(t, data).QueryRow(`SELECT count(*) FROM items`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCheckSample(t *testing.T) {
	fresh, src := checkArchive(t)
	data := fresh(t)
	// More blobs, so that a sample is a real choice.
	for i := range 30 {
		write(t, src, fmt.Sprintf("more/file%02d.txt", i), []byte(strings.Repeat(fmt.Sprintf("line %d of a filler file\n", i), 20+i*7)))
	}
	mustRun(t, data, "ingest", "--quiet", "leak", filepath.Join(src, "more"))
	sha, _, _ := blobOf(t, rawDB(t, data), "file07.txt")
	p := blobFile(data, sha)
	b, _ := os.ReadFile(p)
	b[3] ^= 0x20
	if err := os.WriteFile(p, b, 0o444); err != nil {
		t.Fatal(err)
	}

	full := checkJSONRun(t, data, 1)
	if len(full.Damage) != 1 || full.Damage[0].Blob != sha {
		t.Fatalf("full check: %+v", full.Damage)
	}
	caught, missed := 0, 0
	for seed := 1; seed <= 24; seed++ {
		s := fmt.Sprint(seed)
		r1, _, c1 := checkRun(t, data, "--json", "--sample", "30", "--seed", s)
		r2, _, c2 := checkRun(t, data, "--json", "--sample", "30", "--seed", s)
		var a, b checkJSON
		if err := json.Unmarshal([]byte(r1), &a); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal([]byte(r2), &b)
		if c1 != c2 || a.Stats.HashedBytes != b.Stats.HashedBytes || a.Stats.HashedBlobs != b.Stats.HashedBlobs || len(a.Damage) != len(b.Damage) {
			t.Fatalf("seed %d: two runs differ: exit %d/%d, %+v / %+v", seed, c1, c2, a.Stats, b.Stats)
		}
		if a.Stats.Seed != uint64(seed) {
			t.Fatalf("seed %d reported as %d", seed, a.Stats.Seed)
		}
		if a.Stats.HashedBytes*100 < a.Stats.StoredBytes*30 || a.Stats.HashedBlobs >= a.Stats.StoredBlobs {
			t.Fatalf("seed %d: hashed %d of %d bytes (%d of %d blobs), want at least 30%% of the bytes and not every blob",
				seed, a.Stats.HashedBytes, a.Stats.StoredBytes, a.Stats.HashedBlobs, a.Stats.StoredBlobs)
		}
		if c1 == 1 {
			if len(a.Damage) != 1 || a.Damage[0].Blob != sha {
				t.Fatalf("seed %d: %+v", seed, a.Damage)
			}
			caught++
		} else if c1 == 0 {
			missed++
		} else {
			t.Fatalf("seed %d: exit %d", seed, c1)
		}
	}
	if caught == 0 || missed == 0 {
		t.Fatalf("24 seeds: %d caught the flipped byte, %d missed it; a sample should do both", caught, missed)
	}
	// Without --seed, the seed is printed and repeats the sample.
	out, _, _ := checkRun(t, data, "--sample", "30")
	i := strings.Index(out, "(seed ")
	if i < 0 {
		t.Fatalf("no seed printed: %s", out)
	}
	var seed uint64
	fmt.Sscanf(out[i:], "(seed %d)", &seed)
	again, _, _ := checkRun(t, data, "--sample", "30", "--seed", fmt.Sprint(seed))
	strip := func(s string) string { return s[:strings.Index(s, " in ")] }
	if strip(out[i:]) != strip(again[strings.Index(again, "(seed "):]) {
		t.Fatalf("seed %d does not repeat the sample:\n%s\n%s", seed, out, again)
	}
}
