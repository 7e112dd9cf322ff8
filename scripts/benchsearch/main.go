// Command benchsearch measures trove's search on a catalog built from a
// mkcorpus corpus: recall of the planted needles (by kind, every miss
// named) and latency percentiles per query class, each query with facets.
// It prints JSON. Used by scripts/bench.sh.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

type needle struct {
	id, phrase, kind, file, chain string
	also                          []string
}

func readPlanted(path string) ([]needle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []needle
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 7 {
			continue
		}
		n := needle{id: c[0], phrase: c[1], kind: c[2], file: c[3], chain: c[4]}
		if c[6] != "" {
			n.also = strings.Split(c[6], "|")
		}
		out = append(out, n)
	}
	return out, sc.Err()
}

// Queries of the other two classes: common single words and boolean
// combinations, from the English text the generator uses.
var words = []string{"report", "police", "information", "county", "meeting", "please", "email", "state", "time", "data",
	"security", "public", "office", "system", "list", "message", "free", "new", "software", "people"}

var booleans = []string{
	"police AND report", "meeting OR conference", "security -spam", "(county OR state) information",
	`"please find" attached`, "software NOT free", "data system", "list* email", "public (office OR department)",
	"report date:2015..2019", "type:email security", "type:pdf report", "has:attachment meeting", "ext:docx people",
	"message -time", "(free OR new) software", "state NOT county", "inform*", "secur~", "email from:gov",
}

type latency struct {
	Class string  `json:"class"`
	N     int     `json:"queries"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

type report struct {
	Needles int                       `json:"needles"`
	Found   int                       `json:"found"`
	ByKind  map[string][2]int         `json:"by_kind"` // kind -> [found, planted]
	Misses  []string                  `json:"misses"`
	Latency []latency                 `json:"latency"`
	Recall  map[string]float64        `json:"recall_by_kind"`
	Slowest []string                  `json:"slowest"`
	NonOCR  [2]int                    `json:"non_ocr"`
	Extra   map[string]map[string]int `json:"-"`
}

func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	i := int(float64(len(ds)-1) * p)
	return float64(ds[i].Microseconds()) / 1000
}

func main() {
	dbPath := flag.String("db", "", "catalog.db")
	planted := flag.String("planted", "", ".truth/planted.tsv")
	reps := flag.Int("reps", 5, "times each query is timed")
	trace := flag.Bool("trace", false, "print every timing of the word and boolean queries to stderr")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the word and boolean queries to this file")
	flag.Parse()
	db, err := sqlite.Open(*dbPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer db.Close()
	// Time the search itself: the caches of result pages and of facets
	// would answer every repetition after the first from memory.
	db.SetSearchCaches(false)
	if err := db.WarmSearch(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ns, err := readPlanted(*planted)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx := context.Background()
	p := archive.Admin()
	rep := report{Needles: len(ns), ByKind: map[string][2]int{}, Recall: map[string]float64{}}
	timeQuery := func(q string) ([]archive.Hit, []time.Duration) {
		var ds []time.Duration
		var hits []archive.Hit
		for i := 0; i < *reps; i++ {
			start := time.Now()
			res, err := db.Search(ctx, p, archive.SearchRequest{Query: q, Limit: 20, Facets: true})
			ds = append(ds, time.Since(start))
			if err != nil {
				fmt.Fprintf(os.Stderr, "query %s: %v\n", q, err)
				return nil, ds
			}
			hits = res.Hits
		}
		return hits, ds
	}
	var phraseLat []time.Duration
	for _, n := range ns {
		hits, ds := timeQuery(`"` + n.phrase + `"`)
		phraseLat = append(phraseLat, ds...)
		ok := false
		places := append([]string{n.file}, n.also...)
		for _, h := range hits {
			for _, pl := range places {
				if h.Item.Path == pl || strings.HasPrefix(h.Item.Path, pl+"/") {
					ok = true
				}
			}
		}
		k := rep.ByKind[n.kind]
		k[1]++
		ocr := strings.Contains(n.kind, "ocr")
		if !ocr {
			rep.NonOCR[1]++
		}
		if ok {
			k[0]++
			rep.Found++
			if !ocr {
				rep.NonOCR[0]++
			}
		} else {
			rep.Misses = append(rep.Misses, fmt.Sprintf("%s %s %s (%s)", n.id, n.kind, n.chain, n.phrase))
		}
		rep.ByKind[n.kind] = k
	}
	for k, v := range rep.ByKind {
		rep.Recall[k] = float64(v[0]) / float64(v[1])
	}
	classes := []struct {
		name string
		qs   []string
	}{{"words", words}, {"boolean", booleans}}
	lat := func(name string, ds []time.Duration) latency {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return latency{Class: name, N: len(ds), P50: pct(ds, .50), P95: pct(ds, .95), P99: pct(ds, .99), Max: pct(ds, 1)}
	}
	rep.Latency = append(rep.Latency, lat("phrases", phraseLat))
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	for _, c := range classes {
		var all []time.Duration
		for _, q := range c.qs {
			_, ds := timeQuery(q)
			if *trace {
				fmt.Fprintln(os.Stderr, q, ds)
			}
			all = append(all, ds...)
			worst := slices.Max(ds)
			rep.Slowest = append(rep.Slowest, fmt.Sprintf("%8.1f ms  %s", float64(worst.Microseconds())/1000, q))
		}
		rep.Latency = append(rep.Latency, lat(c.name, all))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(rep.Slowest)))
	if len(rep.Slowest) > 10 {
		rep.Slowest = rep.Slowest[:10]
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(rep)
	pprof.StopCPUProfile()
}
