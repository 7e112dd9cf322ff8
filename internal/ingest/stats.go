package ingest

import (
	"sort"
	"sync"
	"time"
)

// Stats summarises an ingest run. Files are top-level files found by the
// walk; Items counts every item including container members.
type Stats struct {
	FilesTotal  int64            `json:"files_total"` // found by the counting walk (may lag)
	BytesTotal  int64            `json:"bytes_total"`
	Files       int64            `json:"files"` // top-level files processed
	FileBytes   int64            `json:"file_bytes"`
	Items       int64            `json:"items"` // every item seen, members included
	Bytes       int64            `json:"bytes"`
	New         int64            `json:"new"`       // blobs extracted in this run
	Duplicate   int64            `json:"duplicate"` // items whose content was already known
	Unchanged   int64            `json:"unchanged"` // skipped: already ingested (resume)
	Failed      int64            `json:"failed"`    // blobs whose extraction failed
	FailedBy    map[string]int64 `json:"failed_by_reason"`
	MembersLost int64            `json:"members_failed"` // container members that could not be read
	MembersBy   map[string]int64 `json:"members_failed_by_reason"`
	Special     int64            `json:"special_files_skipped"` // symlinks, devices, sockets on disk
	WalkErrors  int64            `json:"unreadable"`            // files on disk that could not be read
	TextBytes   int64            `json:"text_bytes"`
	Elapsed     time.Duration    `json:"-"`
	Seconds     float64          `json:"seconds"`
	// WriterSeconds is the time the catalog writer was busy: near Seconds,
	// the single writer is what limits the ingest.
	WriterSeconds float64  `json:"writer_seconds"`
	Errors        []string `json:"errors,omitempty"` // first failures, for the log
}

type statsCounter struct {
	mu   sync.Mutex
	s    Stats
	done chan struct{}
}

func newStats() *statsCounter {
	return &statsCounter{s: Stats{FailedBy: map[string]int64{}, MembersBy: map[string]int64{}}, done: make(chan struct{})}
}

func (c *statsCounter) with(f func(s *Stats)) {
	c.mu.Lock()
	f(&c.s)
	c.mu.Unlock()
}

func (c *statsCounter) setTotals(files, bytes int64) {
	c.with(func(s *Stats) { s.FilesTotal, s.BytesTotal = files, bytes })
}
func (c *statsCounter) seenTop(n int64) { c.with(func(s *Stats) { s.Files++; s.FileBytes += n }) }
func (c *statsCounter) seen(n int64)    { c.with(func(s *Stats) { s.Items++; s.Bytes += n }) }
func (c *statsCounter) fresh()          { c.with(func(s *Stats) { s.New++ }) }
func (c *statsCounter) duplicate()      { c.with(func(s *Stats) { s.Duplicate++ }) }
func (c *statsCounter) unchanged()      { c.with(func(s *Stats) { s.Unchanged++ }) }
func (c *statsCounter) skipSpecial()    { c.with(func(s *Stats) { s.Special++ }) }
func (c *statsCounter) extracted(n int64) {
	c.with(func(s *Stats) { s.TextBytes += n })
}

func (c *statsCounter) note(s *Stats, msg string) {
	if len(s.Errors) < 50 {
		s.Errors = append(s.Errors, msg)
	}
}

func (c *statsCounter) failed(reason, rel string, err error) {
	c.with(func(s *Stats) {
		s.Failed++
		s.FailedBy[reason]++
		c.note(s, rel+": "+err.Error())
	})
}

func (c *statsCounter) childFailed(reason string) {
	c.with(func(s *Stats) { s.MembersLost++; s.MembersBy[reason]++ })
}

func (c *statsCounter) walkError(p string, err error) {
	c.with(func(s *Stats) { s.WalkErrors++; c.note(s, p+": "+err.Error()) })
}

func (c *statsCounter) internal(rel string, err error) {
	c.with(func(s *Stats) {
		s.Failed++
		s.FailedBy["internal"]++
		c.note(s, rel+": "+err.Error())
	})
}

func (c *statsCounter) snapshot(start time.Time) *Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.FailedBy = copyMap(c.s.FailedBy)
	s.MembersBy = copyMap(c.s.MembersBy)
	s.Errors = append([]string(nil), c.s.Errors...)
	s.Elapsed = time.Since(start)
	s.Seconds = s.Elapsed.Seconds()
	return &s
}

func copyMap(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Reasons returns the failure reasons sorted by count, most first.
func Reasons(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}
