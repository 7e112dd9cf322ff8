package outlook

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// PST extracts Outlook mailboxes (.pst, .ost) with readpst (libpst).
type PST struct{ cfg Config }

var _ extract.Extractor = (*PST)(nil)

// NewPST returns the mailbox extractor.
func NewPST(cfg Config) *PST { return &PST{cfg: cfg.withDefaults()} }

func (*PST) Name() string    { return "readpst" }
func (*PST) MIMEs() []string { return []string{extract.MIMEPST} }

// maxStdout bounds readpst's progress report.
const maxStdout = 16 << 20

// Extract runs readpst into a private folder, then emits every item it
// wrote as a child named by its folder path inside the mailbox (see the
// package documentation), and accounts for the items readpst counted but
// did not write.
func (p *PST) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	src, err := filepath.Abs(in.Path)
	if err != nil {
		return fmt.Errorf("pst: %w", err)
	}
	fi, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("pst stat: %w", err)
	}
	size := fi.Size()
	declared, err := pstDeclaredSize(src)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(p.cfg.TempDir, "trove-readpst-")
	if err != nil {
		return fmt.Errorf("pst temp: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		return fmt.Errorf("pst temp: %w", err)
	}
	budget := min(max(size*p.cfg.MaxOutputRatio, p.cfg.MinOutputBytes), p.cfg.MaxOutputBytes)
	if size > 0 && size*p.cfg.MaxOutputRatio/size != p.cfg.MaxOutputRatio { // overflow
		budget = p.cfg.MaxOutputBytes
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		watchSize(runCtx, out, budget, cancel)
	}()
	var stdout bytes.Buffer
	runErr := tool.Run(runCtx, tool.Cmd{
		Name:      "readpst",
		Path:      p.cfg.ReadpstPath,
		Args:      []string{"-e", "-D", "-b", "-8", "-j", "0", "-o", out, src},
		Stdout:    &stdout,
		MaxOutput: maxStdout,
		Timeout:   p.cfg.Timeout,
		MemLimit:  p.cfg.MemLimit,
		Read:      []string{src},
		Write:     []string{tmp},
		Dir:       out,
	})
	cancel(nil)
	<-watchDone
	if errors.Is(runErr, extract.ErrToolMissing) {
		return runErr
	}
	if ctx.Err() != nil {
		return fmt.Errorf("pst: %w", context.Cause(ctx))
	}
	if errors.Is(context.Cause(runCtx), extract.ErrBomb) && runErr != nil {
		return fmt.Errorf("pst: readpst output: %w", context.Cause(runCtx))
	}
	files, dirs, total, err := listOutput(out)
	if err != nil {
		return fmt.Errorf("pst: %w", err)
	}
	if total > budget {
		return fmt.Errorf("pst: readpst output: %w: %d bytes, limit %d", extract.ErrBomb, total, budget)
	}

	rep := parseReport(stdout.Bytes())
	want := max(rep.expected(), len(files)+rep.skipped)
	if want > 0 {
		s.Expect(want)
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("pst: %w", err)
		}
		info := extract.ChildInfo{Name: f.name, MIME: mimeByExt[strings.ToLower(path.Ext(f.name))]}
		if err := emitFile(ctx, s, info, filepath.Join(out, filepath.FromSlash(f.name))); err != nil {
			return err
		}
	}
	for _, fo := range rep.folders {
		where := fo.name
		if d, ok := dirs[fo.name]; ok {
			where = d
		}
		for k := range fo.skipped {
			s.ChildFailed(extract.ChildInfo{Name: fmt.Sprintf("%s/skipped-%d", where, k+1)},
				fmt.Errorf("pst: readpst skipped an item of folder %q (%d of %d skipped there; e.g. a distribution list, a hidden configuration item, or an unreadable item): %w",
					fo.name, k+1, fo.skipped, extract.ErrUnsupported))
		}
	}
	for k := range rep.expected() - len(files) - rep.skipped {
		s.ChildFailed(extract.ChildInfo{Name: fmt.Sprintf("missing-%d", k+1)},
			fmt.Errorf("pst: readpst counted an item as done but wrote no file for it: %w", extract.ErrCorrupt))
	}
	switch {
	case runErr != nil:
		return fmt.Errorf("pst: %w", runErr)
	case declared > size:
		return fmt.Errorf("pst: %w: truncated: the header declares %d bytes, the file has %d", extract.ErrCorrupt, declared, size)
	}
	return nil
}

var mimeByExt = map[string]string{
	".eml": extract.MIMEEmail,
	".ics": "text/calendar",
	".vcf": "text/vcard",
	".msg": extract.MIMEMSG,
}

// pstDeclaredSize reads the file size a PST header declares (ibFileEof of
// its ROOT structure; MS-PST 2.2.2.6).
func pstDeclaredSize(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, fmt.Errorf("pst open: %w", err)
	}
	defer f.Close()
	var h [0x200]byte
	n, err := io.ReadFull(f, h[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, fmt.Errorf("pst: %w: read header: %v", extract.ErrCorrupt, err)
	}
	if n < 0xC0 || string(h[:4]) != "!BDN" {
		return 0, fmt.Errorf("pst: %w: no PST header", extract.ErrCorrupt)
	}
	switch v := binary.LittleEndian.Uint16(h[10:]); {
	case v == 14 || v == 15: // ANSI
		return int64(binary.LittleEndian.Uint32(h[0xA8:])), nil
	case v >= 23: // Unicode
		return int64(min(binary.LittleEndian.Uint64(h[0xB8:]), 1<<62)), nil
	default:
		return 0, fmt.Errorf("pst: %w: unknown format version %d", extract.ErrUnsupported, v)
	}
}

// watchSize cancels the run with extract.ErrBomb when the output folder
// grows past budget. The folder is walked at an interval that grows with
// the time a walk takes.
func watchSize(ctx context.Context, dir string, budget int64, cancel context.CancelCauseFunc) {
	interval := 200 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
		start := time.Now()
		var total int64
		_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if fi, err := d.Info(); err == nil {
					total += fi.Size()
				}
			}
			return nil
		})
		if total > budget {
			cancel(fmt.Errorf("%w: over %d bytes", extract.ErrBomb, budget))
			return
		}
		interval = max(200*time.Millisecond, min(10*time.Since(start), 10*time.Second))
	}
}

type outFile struct{ name string }

// listOutput lists the regular files readpst wrote, by slash-separated
// path relative to dir, each folder's files in numeric order before its
// subfolders; dirs maps each folder's base name to its first path; total
// is their size.
func listOutput(dir string) (files []outFile, dirs map[string]string, total int64, err error) {
	dirs = map[string]string{}
	var walk func(rel string, depth int) error
	walk = func(rel string, depth int) error {
		if depth > 256 {
			return fmt.Errorf("readpst output nested deeper than 256 folders: %w", extract.ErrTooDeep)
		}
		ents, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		slices.SortFunc(ents, func(a, b fs.DirEntry) int { return naturalCompare(a.Name(), b.Name()) })
		var subs []string
		for _, e := range ents {
			p := path.Join(rel, e.Name())
			switch {
			case e.Type().IsRegular():
				fi, err := e.Info()
				if err != nil {
					return err
				}
				total += fi.Size()
				files = append(files, outFile{name: p})
			case e.IsDir():
				if _, ok := dirs[e.Name()]; !ok {
					dirs[e.Name()] = p
				}
				subs = append(subs, p)
			}
		}
		for _, p := range subs {
			if err := walk(p, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	err = walk("", 0)
	return files, dirs, total, err
}

// naturalCompare orders names with their leading numbers compared as
// numbers ("2.eml" before "10.eml").
func naturalCompare(a, b string) int {
	na, ra := leadingNumber(a)
	nb, rb := leadingNumber(b)
	if na >= 0 && nb >= 0 && na != nb {
		if na < nb {
			return -1
		}
		return 1
	}
	if na >= 0 && nb >= 0 {
		return strings.Compare(ra, rb)
	}
	return strings.Compare(a, b)
}

func leadingNumber(s string) (int64, string) {
	i := 0
	for i < len(s) && i < 18 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return -1, s
	}
	n, _ := strconv.ParseInt(s[:i], 10, 64)
	return n, s[i:]
}

// emitFile passes one output file to the sink.
func emitFile(ctx context.Context, s extract.Sink, info extract.ChildInfo, name string) error {
	f, err := os.Open(name)
	if err != nil {
		s.ChildFailed(info, fmt.Errorf("pst: %w", err))
		return nil
	}
	defer f.Close()
	er := &errReader{r: f}
	if err := s.Child(ctx, info, er); err != nil {
		if er.err != nil {
			s.ChildFailed(info, fmt.Errorf("pst: %w", er.err))
			return nil
		}
		return fmt.Errorf("pst child %q: %w", info.Name, err)
	}
	return nil
}

// report is what readpst printed about the folders it processed.
type report struct {
	folderLines int // "Processing Folder" lines: each folder counts as an item of its parent
	done        int
	skipped     int
	folders     []folderCount
}

type folderCount struct {
	name          string
	done, skipped int
}

var (
	reProcessing = regexp.MustCompile(`^Processing Folder "(.*)"$`)
	reSummary    = regexp.MustCompile(`^\s*"(.*)" - (\d+) items done, (\d+) items skipped\.$`)
)

// parseReport reads readpst's progress lines. A folder that has items
// ends with `"name" - N items done, M items skipped.`; N counts its
// subfolders too, each of which was announced by a `Processing Folder`
// line.
func parseReport(b []byte) report {
	var r report
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if reProcessing.MatchString(line) {
			r.folderLines++
			continue
		}
		if m := reSummary.FindStringSubmatch(line); m != nil {
			done, err1 := strconv.Atoi(m[2])
			skipped, err2 := strconv.Atoi(m[3])
			if err1 != nil || err2 != nil || done > 1<<30 || skipped > 1<<30 {
				continue
			}
			r.done += done
			r.skipped += skipped
			r.folders = append(r.folders, folderCount{name: m[1], done: done, skipped: skipped})
		}
	}
	return r
}

// expected is the number of items (not folders) readpst counted.
func (r report) expected() int { return max(0, r.done+r.skipped-r.folderLines) }
