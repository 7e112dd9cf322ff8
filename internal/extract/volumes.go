package extract

import (
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
