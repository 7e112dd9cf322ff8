package ingest

import (
	"io"
	"os"
	"path/filepath"

	"github.com/trove-archive/trove/internal/extract"
)

// volumeSets finds the multi-volume archives (and files split into
// numbered pieces) among the top-level files of an ingest, folder by
// folder: see extract.VolumeSets for the names it knows. The first volume
// of a set is extracted with the others, read from where they are; the
// others are kept as items of their own and point to it.
type volumeSets struct {
	dirs  map[string]map[string]volInfo // folder → file name → its place in a set
	files map[string][]volFile          // folder → files (RunStored)
}

type volFile struct {
	name, path string
	size       int64
}

type volInfo struct {
	first     string // the first volume's name
	index     int    // 1-based volume number
	rest      []extract.Volume
	restBytes int64
}

// addFile records a file of folder dir (RunStored, where there is no folder
// to list).
func (vs *volumeSets) addFile(dir, name, path string, size int64) {
	if !extract.VolumeName(name) {
		return
	}
	if vs.files == nil {
		vs.files = map[string][]volFile{}
	}
	vs.files[dir] = append(vs.files[dir], volFile{name, path, size})
}

// scanDir lists the regular files of folder dir on disk, once.
func (vs *volumeSets) scanDir(dir string, excluded func(string) bool) {
	if _, ok := vs.dirs[dir]; ok {
		return
	}
	var files []volFile
	entries, _ := os.ReadDir(dir) // unreadable: no sets, each file as it is
	for _, e := range entries {
		if !e.Type().IsRegular() || excluded(e.Name()) || !extract.VolumeName(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		files = append(files, volFile{e.Name(), filepath.Join(dir, e.Name()), fi.Size()})
	}
	vs.group(dir, files)
}

func (vs *volumeSets) group(dir string, files []volFile) {
	if vs.dirs == nil {
		vs.dirs = map[string]map[string]volInfo{}
	}
	vs.dirs[dir] = setsOf(files)
}

// setsOf finds the sets among the files of one folder, each confirmed by
// its first file's first bytes (extract.FirstVolume), and returns each
// member's place by name. Names must be distinct.
func setsOf(files []volFile) map[string]volInfo {
	m := map[string]volInfo{}
	byName := make(map[string]volFile, len(files))
	names := make([]string, 0, len(files))
	for _, f := range files {
		byName[f.name] = f
		names = append(names, f.name)
	}
	for _, set := range extract.VolumeSets(names) {
		if !extract.FirstVolume(set, fileHead(byName[set[0]].path)) {
			continue
		}
		first := volInfo{first: set[0], index: 1}
		for i, n := range set[1:] {
			f := byName[n]
			first.rest = append(first.rest, extract.Volume{Name: n, Path: f.path})
			first.restBytes += f.size
			m[n] = volInfo{first: set[0], index: i + 2}
		}
		m[set[0]] = first
	}
	return m
}

// mark sets t's place in a set of folder dir, if it has one.
func (vs *volumeSets) mark(dir string, t *task) {
	if _, ok := vs.dirs[dir]; !ok && vs.files != nil {
		vs.group(dir, vs.files[dir])
	}
	if v, ok := vs.dirs[dir][t.name]; ok {
		v.apply(t)
	}
}

// apply gives t its place in a set: the first volume the others, the
// others the first.
func (v volInfo) apply(t *task) {
	if v.index == 1 {
		t.volumes, t.volBytes = v.rest, v.restBytes
		return
	}
	t.volumeOf, t.volIndex = v.first, v.index
}

// fileHead returns the first bytes of the file at path (none if it cannot
// be read: then no set is formed).
func fileHead(path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, 512)
	n, _ := io.ReadFull(f, b)
	return b[:n]
}
