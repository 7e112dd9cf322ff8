package extract

import (
	"bytes"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Volume is one further volume of a multi-volume archive: its file name
// where it was found, and a local file holding its bytes.
type Volume struct {
	Name string
	Path string
}

var (
	reRarPart  = regexp.MustCompile(`(?i)^(.+)\.part(\d+)\.rar$`)
	reRarOld   = regexp.MustCompile(`(?i)^(.+)\.rar$`)
	reRarOldNN = regexp.MustCompile(`(?i)^(.+)\.([r-z])(\d\d)$`)
	reSplit    = regexp.MustCompile(`^(.+)\.(\d{3})$`)
)

// FirstVolume reports whether head, the first bytes of the first file of a
// set VolumeSets found, confirms the set: for RAR names, a RAR archive
// whose main header says it is a volume (an archive complete in itself
// named NAME.part1.rar is just that); for numbered pieces (NAME.001), a
// zip, 7z, tar, gzip, bzip2 or xz stream, the formats read across pieces.
// Other files numbered that way (scan.001, scan.002 each a document of
// its own, or a video cut in pieces) are left as separate files.
func FirstVolume(set []string, head []byte) bool {
	if len(set) < 2 {
		return false
	}
	if reRarPart.MatchString(set[0]) || reRarOld.MatchString(set[0]) {
		return rarVolume(head)
	}
	switch Sniff(head, "").MIME {
	case MIMEZip, MIMESevenZip, MIMETar, MIMEGzip, MIMEBzip2, MIMEXz:
		return true
	}
	return false
}

// rarVolume reads the volume flag of a RAR archive's main header (RAR 1.5
// to 4: MHD_VOLUME in the block flags; RAR 5: 0x0001 in the archive
// flags).
func rarVolume(b []byte) bool {
	switch {
	case bytes.HasPrefix(b, []byte("Rar!\x1A\x07\x00")):
		// CRC (2), type (1) = 0x73, flags (2, little-endian).
		b = b[7:]
		return len(b) >= 5 && b[2] == 0x73 && b[3]&0x01 != 0
	case bytes.HasPrefix(b, []byte("Rar!\x1A\x07\x01\x00")):
		// CRC32 (4), header size, type = 1, header flags, [extra area
		// size], [data size], archive flags: variable-length integers.
		if len(b) < 12 {
			return false
		}
		b = b[12:]
		vint := func() (uint64, bool) {
			var v uint64
			for i := 0; i < len(b) && i < 10; i++ {
				v |= uint64(b[i]&0x7F) << (7 * i)
				if b[i]&0x80 == 0 {
					b = b[i+1:]
					return v, true
				}
			}
			return 0, false
		}
		if _, ok := vint(); !ok { // header size
			return false
		}
		if typ, ok := vint(); !ok || typ != 1 {
			return false
		}
		flags, ok := vint()
		if !ok {
			return false
		}
		if flags&0x01 != 0 {
			if _, ok := vint(); !ok {
				return false
			}
		}
		if flags&0x02 != 0 {
			if _, ok := vint(); !ok {
				return false
			}
		}
		arc, ok := vint()
		return ok && arc&0x01 != 0
	}
	return false
}

// VolumeName reports whether name may be a volume of a set VolumeSets
// finds.
func VolumeName(name string) bool {
	return reRarPart.MatchString(name) || reRarOld.MatchString(name) || reRarOldNN.MatchString(name) || reSplit.MatchString(name)
}

// VolumeSets finds the multi-volume archives among the file names of one
// folder: RAR volumes named NAME.part1.rar, NAME.part2.rar, ... (any number
// of digits, the same for all), or NAME.rar, NAME.r00, NAME.r01, ...,
// NAME.r99, NAME.s00, ... (the older naming), and files split into
// NAME.001, NAME.002, ... (7-Zip's volumes, and any file split by number).
// Each set lists its names in volume order, the first volume first; only
// the consecutive run from the first volume counts (a gap ends the set),
// and a set has at least two volumes. A name is in at most one set.
func VolumeSets(names []string) [][]string {
	var sets [][]string
	used := map[string]bool{}
	add := func(set []string) {
		if len(set) < 2 {
			return
		}
		for _, n := range set {
			if used[n] {
				return
			}
		}
		for _, n := range set {
			used[n] = true
		}
		sets = append(sets, set)
	}
	// NAME.partN.rar, grouped by NAME (case-insensitively) and digit count.
	type key struct {
		base  string
		width int
	}
	parts := map[key]map[int]string{}
	var keys []key
	// NAME.rNN and NAME.NNN, by NAME.
	oldVols := map[string]map[int]string{}
	splits := map[string]map[int]string{}
	rars := map[string]string{}
	// Names equal but for case: the first in byte order, whatever
	// the listing order.
	put := func(m map[int]string, num int, n string) {
		if old, ok := m[num]; !ok || n < old {
			m[num] = n
		}
	}
	for _, n := range names {
		if m := reRarPart.FindStringSubmatch(n); m != nil {
			k := key{strings.ToLower(m[1]), len(m[2])}
			num, err := strconv.Atoi(m[2])
			if err != nil {
				continue
			}
			if parts[k] == nil {
				parts[k] = map[int]string{}
				keys = append(keys, k)
			}
			put(parts[k], num, n)
			continue
		}
		if m := reRarOld.FindStringSubmatch(n); m != nil {
			b := strings.ToLower(m[1])
			if old, ok := rars[b]; !ok || n < old {
				rars[b] = n
			}
			continue
		}
		if m := reRarOldNN.FindStringSubmatch(n); m != nil {
			num, _ := strconv.Atoi(m[3])
			num += 100 * int(strings.ToLower(m[2])[0]-'r')
			b := strings.ToLower(m[1])
			if oldVols[b] == nil {
				oldVols[b] = map[int]string{}
			}
			put(oldVols[b], num, n)
		}
		if m := reSplit.FindStringSubmatch(n); m != nil {
			num, _ := strconv.Atoi(m[2])
			b := strings.ToLower(m[1])
			if splits[b] == nil {
				splits[b] = map[int]string{}
			}
			put(splits[b], num, n)
		}
	}
	run := func(m map[int]string, from int) []string {
		var out []string
		for i := from; ; i++ {
			n, ok := m[i]
			if !ok {
				return out
			}
			out = append(out, n)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].base != keys[j].base {
			return keys[i].base < keys[j].base
		}
		return keys[i].width < keys[j].width
	})
	for _, k := range keys {
		add(run(parts[k], 1))
	}
	var bases []string
	for b := range rars {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	for _, b := range bases {
		if vols := run(oldVols[b], 0); len(vols) > 0 {
			add(append([]string{rars[b]}, vols...))
		}
	}
	bases = bases[:0]
	for b := range splits {
		bases = append(bases, b)
	}
	sort.Strings(bases)
	for _, b := range bases {
		add(run(splits[b], 1))
	}
	return sets
}
