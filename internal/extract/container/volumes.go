package container

import (
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/trove-archive/trove/internal/extract"
)

// joined reads a file cut into volumes as the one file they were cut from.
type joined struct {
	files []*os.File
	ends  []int64 // ends[i]: offset just past volume i
	size  int64
}

// joinVolumes opens the further volumes after first (of size size).
func joinVolumes(first *os.File, size int64, vols []extract.Volume) (*joined, error) {
	j := &joined{files: []*os.File{first}, ends: []int64{size}, size: size}
	for _, v := range vols {
		f, err := os.Open(v.Path)
		if err != nil {
			j.Close()
			return nil, fmt.Errorf("volume %s: %w", v.Name, err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			j.Close()
			return nil, fmt.Errorf("volume %s: %w", v.Name, err)
		}
		j.files = append(j.files, f)
		j.size += st.Size()
		j.ends = append(j.ends, j.size)
	}
	return j, nil
}

// ReadAt implements io.ReaderAt across the volumes.
func (j *joined) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("joined volumes: negative offset")
	}
	n := 0
	for len(p) > 0 {
		if off >= j.size {
			return n, io.EOF
		}
		i := sort.Search(len(j.ends), func(i int) bool { return j.ends[i] > off })
		start := int64(0)
		if i > 0 {
			start = j.ends[i-1]
		}
		want := min(int64(len(p)), j.ends[i]-off)
		m, err := j.files[i].ReadAt(p[:want], off-start)
		n += m
		off += int64(m)
		p = p[m:]
		if err != nil && !(err == io.EOF && int64(m) == want) {
			return n, err
		}
	}
	return n, nil
}

// Close closes the further volumes (the first is the caller's).
func (j *joined) Close() error {
	for _, f := range j.files[1:] {
		f.Close()
	}
	return nil
}
