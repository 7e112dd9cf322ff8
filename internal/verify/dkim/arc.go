package dkim

import (
	"sort"
	"strconv"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

// maxARCSets bounds the ARC sets read (RFC 8617 section 4.2.1 allows 50).
const maxARCSets = 50

// readARC reads the ARC sets (RFC 8617) of a message: each instance's
// ARC-Seal (domain, selector, algorithm, cv=) and the payload of its
// ARC-Authentication-Results. Seals are read, not verified.
func readARC(fields []field) []archive.ARCSet {
	sets := map[int]*archive.ARCSet{}
	get := func(i int) *archive.ARCSet {
		if s := sets[i]; s != nil {
			return s
		}
		if len(sets) >= maxARCSets {
			return nil
		}
		s := &archive.ARCSet{Instance: i}
		sets[i] = s
		return s
	}
	for _, f := range fields {
		switch {
		case strings.EqualFold(f.name, "ARC-Seal"):
			tags, err := parseTags(f.value())
			if err != nil {
				continue
			}
			i, err := strconv.Atoi(tags.value("i"))
			if err != nil || i < 1 || i > maxARCSets {
				continue
			}
			if s := get(i); s != nil {
				s.Domain = strings.ToLower(tags.value("d"))
				s.Selector = tags.value("s")
				s.Algorithm = strings.ToLower(tags.value("a"))
				s.ChainValidation = strings.ToLower(tags.value("cv"))
			}
		case strings.EqualFold(f.name, "ARC-Authentication-Results"):
			v := trimFWS(f.value())
			head, rest, ok := strings.Cut(v, ";")
			if !ok {
				continue
			}
			name, num, ok := strings.Cut(trimFWS(head), "=")
			if !ok || trimFWS(name) != "i" {
				continue
			}
			i, err := strconv.Atoi(trimFWS(num))
			if err != nil || i < 1 || i > maxARCSets {
				continue
			}
			if s := get(i); s != nil {
				s.AuthResults = clipLen(strings.Join(strings.Fields(rest), " "), 2000)
			}
		}
	}
	out := make([]archive.ARCSet, 0, len(sets))
	for _, s := range sets {
		out = append(out, *s)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Instance < out[b].Instance })
	if len(out) == 0 {
		return nil
	}
	return out
}

func clipLen(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
