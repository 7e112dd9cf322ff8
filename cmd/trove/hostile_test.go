package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bombZip is a zip of n members of size zero bytes each, compressed once
// and copied: a few MB on disk that expand to n*size.
func bombZip(t *testing.T, n int, size int64) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	zero := make([]byte, 1<<20)
	crc := crc32.NewIEEE()
	for w := int64(0); w < size; w += int64(len(zero)) {
		fw.Write(zero)
		crc.Write(zero)
	}
	fw.Close()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i < n; i++ {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("zeros%02d.txt", i), Method: zip.Deflate,
			CRC32: crc.Sum32(), CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(size)})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
	zw.Close()
	return b.Bytes()
}

// nestedZip wraps a text file in depth zips.
func nestedZip(t *testing.T, depth int) []byte {
	body := []byte("the innermost doll says matryoshka")
	name := "doll.txt"
	for i := 0; i < depth; i++ {
		body = zipOf(t, map[string][]byte{name: body})
		name = fmt.Sprintf("level%02d.zip", depth-i)
	}
	return body
}

// TestHostileLeak ingests a leak built to hurt: a zip bomb, an endless
// nesting doll, members named to escape to the file system, a symlink to
// a system file and a truncated archive, next to ordinary files. The
// ingest runs as its own process and must finish in bounded time and
// memory, record an error for each hostile file, write nothing outside
// its data folder, and keep the ordinary files searchable.
func TestHostileLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	root := t.TempDir()
	leak := filepath.Join(root, "leak")
	write(t, leak, "bomb.zip", bombZip(t, 24, 100<<20)) // 2.4 GB of zeros
	write(t, leak, "doll.zip", nestedZip(t, 40))
	escape := filepath.Join(root, "escaped.txt")
	write(t, leak, "traversal.zip", zipOf(t, map[string][]byte{
		"../../../../../../" + strings.TrimPrefix(escape, "/"): []byte("I got out"),
		escape:         []byte("absolute path member"),
		"ok/inner.txt": []byte("an honest member about the harbour"),
	}))
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "passwd-link", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
	tw.WriteHeader(&tar.Header{Name: "dev-null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3})
	tw.WriteHeader(&tar.Header{Name: "real.txt", Typeflag: tar.TypeReg, Size: 19, Mode: 0o644})
	tw.Write([]byte("a real tar member.\n"))
	tw.Close()
	write(t, leak, "links.tar", tb.Bytes())
	full := zipOf(t, map[string][]byte{"a.txt": bytes.Repeat([]byte("truncated archive text "), 5000)})
	write(t, leak, "truncated.zip", full[:len(full)/2])
	write(t, leak, "memo.txt", []byte("The ordinary memo about the harbour survives.\n"))

	data := filepath.Join(root, "data")
	mustRun(t, data, "dataset", "create", "hostile")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "--data", data, "ingest", "--quiet", "--json", "hostile", leak)
	cmd.Env = append(os.Environ(), "TROVE_TEST_MAIN=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ingest: %v\n%s", err, errb.String())
		}
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("ingest of the hostile leak did not finish in 3 minutes")
	}
	took := time.Since(start)
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var s struct {
		Files     int64            `json:"files"`
		FailedBy  map[string]int64 `json:"failed_by_reason"`
		MembersBy map[string]int64 `json:"members_failed_by_reason"`
	}
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatalf("summary: %v\n%s", err, out.String())
	}
	t.Logf("hostile leak: %v, max RSS %d MiB, failed %v, members failed %v", took.Round(time.Millisecond), ru.Maxrss>>10, s.FailedBy, s.MembersBy)
	if ru != nil && ru.Maxrss > 1<<20 { // KiB: 1 GiB
		t.Errorf("max RSS %d MiB, want under 1 GiB", ru.Maxrss>>10)
	}
	if s.Files != 6 {
		t.Errorf("%d top-level files, want 6", s.Files)
	}
	if s.FailedBy["bomb"]+s.MembersBy["bomb"] == 0 {
		t.Errorf("the zip bomb was not stopped: %v %v", s.FailedBy, s.MembersBy)
	}
	if s.MembersBy["too_deep"] == 0 {
		t.Errorf("the nesting doll was not stopped at the depth limit: %v", s.MembersBy)
	}
	if s.FailedBy["corrupt"]+s.MembersBy["corrupt"] == 0 {
		t.Errorf("the truncated zip recorded no error: %v %v", s.FailedBy, s.MembersBy)
	}
	if _, err := os.Stat(escape); err == nil {
		t.Errorf("a member escaped to %s", escape)
	}
	if r := search(t, data, `"root:x:0:0"`); r.Total != 0 {
		t.Errorf("the symlink member exposed /etc/passwd: %d hits", r.Total)
	}
	for _, q := range []string{`"ordinary memo"`, `"honest member"`, `"real tar member"`} {
		if r := search(t, data, q); r.Total != 1 {
			t.Errorf("%s: %d hits, want 1", q, r.Total)
		}
	}
}
