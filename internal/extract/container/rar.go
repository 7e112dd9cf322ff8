package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"

	"github.com/nwaples/rardecode/v2"
	"github.com/trove-archive/trove/internal/extract"
)

// Rar extracts RAR archives (RAR 1.5 to 4 and RAR 5) with
// github.com/nwaples/rardecode/v2, streaming one member after the other.
// RAR does not announce its member count, so Rar does not call
// Sink.Expect.
//
// Passwords: an archive with encrypted headers is opened with the first of
// the sink's passwords that decrypts them, or fails with
// extract.ErrEncrypted. An encrypted member is read with the password that
// worked last; when that fails, the archive is reopened with each other
// password and read again up to that member (cheap when the archive is not
// solid, a re-decode when it is). A member no password opens fails with
// extract.ErrEncrypted, and later encrypted members are then only tried
// with the current password.
//
// Multi-volume archives are read across the volumes listed in
// Input.Volumes (the ingest finds them beside the first volume, named
// NAME.part1.rar, NAME.part2.rar, ... or NAME.rar, NAME.r00, ...; see
// extract.VolumeSets). Without them, a member that continues into the next
// volume, or a volume other than the first, stops with "multi-volume
// archive: other volumes not present" (extract.ErrCorrupt), after the
// members wholly inside the volume.
type Rar struct {
	lim Limits
}

var _ extract.Extractor = (*Rar)(nil)

// NewRar returns the RAR extractor.
func NewRar(limits Limits) *Rar { return &Rar{lim: limits.withDefaults()} }

// Name implements extract.Extractor.
func (*Rar) Name() string { return "rar" }

// MIMEs implements extract.Extractor.
func (*Rar) MIMEs() []string { return []string{extract.MIMERar} }

// Extract implements extract.Extractor.
func (x *Rar) Extract(ctx context.Context, in extract.Input, s extract.Sink) (err error) {
	r := newRun("rar", s, x.lim)
	defer r.recover(&err)

	f, err := os.Open(in.Path)
	if err != nil {
		return r.errorf("%w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return r.errorf("%w", err)
	}
	a := &rarArchive{f: f, size: st.Size(), passwords: s.Passwords(), lim: x.lim}
	if len(in.Volumes) > 0 {
		a.name = path.Base(in.Name)
		a.vols = volumeFS{a.name: in.Path}
		for _, v := range in.Volumes {
			a.vols[path.Base(v.Name)] = v.Path
		}
		defer a.closeAll()
	}

	rr, h, err := a.first()
	if a.pw != nil || errors.Is(err, extract.ErrEncrypted) {
		s.Meta().Encrypted = true // the headers are
	}
	switch {
	case err == io.EOF:
		return nil
	case err != nil:
		return a.headerError(r, err, 0)
	}
	failedEncrypted := false // the last member failed for want of a password
	for idx := 1; ; idx++ {
		if err := r.entry(ctx); err != nil {
			return err
		}
		if h.Encrypted {
			s.Meta().Encrypted = true
		}
		if rarRegular(h) {
			var stop error
			rr, failedEncrypted, stop = a.member(ctx, r, rr, h, idx)
			if stop != nil {
				return stop
			}
		} else {
			_ = drain(ctx, rr, x.lim.MaxMemberBytes) // a solid archive decodes through it anyway
		}
		h, err = a.next(rr)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if failedEncrypted {
				// A solid archive cannot go past a member it could not decrypt.
				return r.errorf("%w: solid archive", extract.ErrEncrypted)
			}
			return a.headerError(r, err, idx)
		}
	}
}

// rarRegular reports whether an entry is a regular file: not a directory,
// a link (symbolic, hard, junction or file copy) or a Unix special file.
func rarRegular(h *rardecode.FileHeader) bool {
	if h.IsDir || h.LinkType != rardecode.LinkTypeNone || h.Mode()&fs.ModeSymlink != 0 {
		return false
	}
	if h.HostOS == rardecode.HostOSUnix {
		if t := h.Attributes & 0xF000; t != 0 && t != 0x8000 {
			return false
		}
	}
	return true
}

// rarArchive is one RAR file, opened once per password tried.
type rarArchive struct {
	f         *os.File
	size      int64
	passwords []string
	lim       Limits
	pw        *string // the password of the current reader; nil: none
	gaveUp    bool    // a member no password opened: stop trying others
	// A multi-volume archive: the first volume's name and every volume
	// by name, read through rardecode's own volume naming; its readers
	// are closed at the end.
	name    string
	vols    volumeFS
	closers []io.Closer
}

// volumeFS serves the volumes of one archive by their names, and no other
// file: rardecode asks for the next volume by the name it derives, and a
// name not in the set is the end of the archive.
type volumeFS map[string]string

func (v volumeFS) Open(name string) (fs.File, error) {
	p, ok := v[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return os.Open(p)
}

func (a *rarArchive) closeAll() {
	for _, c := range a.closers {
		c.Close()
	}
}

var errRarMultiVolume = fmt.Errorf("%w: multi-volume archive: other volumes not present", extract.ErrCorrupt)

// open returns a reader of the archive from its start.
func (a *rarArchive) open(password *string) (*rardecode.Reader, error) {
	opts := []rardecode.Option{rardecode.MaxDictionarySize(a.lim.MaxWindowBytes)}
	if password != nil {
		opts = append(opts, rardecode.Password(*password))
	}
	var rr *rardecode.Reader
	err := try(func() (err error) {
		if a.vols != nil {
			var rc *rardecode.ReadCloser
			rc, err = rardecode.OpenReader(a.name, append(opts, rardecode.FileSystem(a.vols))...)
			if err == nil {
				a.closers = append(a.closers, rc)
				rr = &rc.Reader
			}
			return err
		}
		rr, err = rardecode.NewReader(io.NewSectionReader(a.f, 0, a.size), opts...)
		return err
	})
	return rr, err
}

// next advances rr to its next entry.
func (a *rarArchive) next(rr *rardecode.Reader) (*rardecode.FileHeader, error) {
	var h *rardecode.FileHeader
	err := try(func() (err error) {
		h, err = rr.Next()
		return err
	})
	return h, err
}

// first opens the archive and reads its first header, without a password,
// else (the headers being encrypted) with the first password that opens
// them.
func (a *rarArchive) first() (*rardecode.Reader, *rardecode.FileHeader, error) {
	rr, h, err := a.firstWith(nil)
	if !errors.Is(err, rardecode.ErrArchiveEncrypted) {
		return rr, h, err
	}
	for _, p := range a.passwords {
		if rr, h, err := a.firstWith(&p); err == nil || err == io.EOF {
			a.pw = &p
			return rr, h, err
		}
	}
	return nil, nil, fmt.Errorf("%w: headers", extract.ErrEncrypted)
}

func (a *rarArchive) firstWith(password *string) (*rardecode.Reader, *rardecode.FileHeader, error) {
	rr, err := a.open(password)
	if err != nil {
		return nil, nil, err
	}
	h, err := a.next(rr)
	return rr, h, err
}

// headerError classifies an error reading the idx-th header (0: the
// first).
func (a *rarArchive) headerError(r *run, err error, idx int) error {
	switch {
	case errors.Is(err, extract.ErrEncrypted):
		return r.errorf("%w", err)
	case errors.Is(err, rardecode.ErrMultiVolume),
		errors.Is(err, rardecode.ErrBadVolumeNumber),
		idx == 0 && errors.Is(err, rardecode.ErrInvalidFileBlock):
		return r.errorf("%w", errRarMultiVolume)
	case errors.Is(err, rardecode.ErrDictionaryTooLarge):
		return r.errorf("%w: decoder window larger than %d bytes", extract.ErrTooLarge, a.lim.MaxWindowBytes)
	}
	return r.corrupt("read header", err)
}

// member emits the member h (the idx-th entry) read from rr. For an
// encrypted member the current password may not do; member then reopens
// the archive with the others, and returns the reader it continues with.
func (a *rarArchive) member(ctx context.Context, r *run, rr *rardecode.Reader, h *rardecode.FileHeader, idx int) (next *rardecode.Reader, failedEncrypted bool, stop error) {
	info := extract.ChildInfo{Name: displayName(decodeName(h.Name)), ModTime: h.ModificationTime}
	if !h.UnKnownSize && h.UnPackedSize > a.lim.MaxMemberBytes {
		return rr, false, r.tooBig(info, uint64(h.UnPackedSize))
	}
	if !h.Encrypted || a.pw != nil {
		readErr, stop := r.stream(ctx, info, rr)
		if stop != nil || readErr == nil {
			return rr, false, stop
		}
		if errors.Is(readErr, rardecode.ErrMultiVolume) {
			r.s.ChildFailed(info, readErr)
			return rr, false, r.errorf("%w", errRarMultiVolume)
		}
		if !h.Encrypted {
			r.s.ChildFailed(info, readErr)
			return rr, false, nil
		}
	}
	// Encrypted, and the current password (if any) did not open it. Each
	// other password costs a reopening and a pass over the members before
	// this one; once no password opened a member, later ones are not tried
	// again, or an archive of many members under an unknown password would
	// take quadratic time.
	for _, p := range a.passwords {
		if a.gaveUp {
			break
		}
		if a.pw != nil && p == *a.pw {
			continue
		}
		rr2, h2, err := a.seek(ctx, &p, idx)
		if err != nil || h2.Name != h.Name {
			continue
		}
		readErr, stop := r.stream(ctx, info, rr2)
		if stop != nil {
			return rr, false, stop
		}
		if readErr == nil {
			a.pw = &p
			return rr2, false, nil
		}
	}
	a.gaveUp = true
	r.s.ChildFailed(info, r.errorf("member: %w", extract.ErrEncrypted))
	return rr, true, nil
}

// seek reopens the archive with password and advances to its idx-th entry
// (1-based). Skipping a member seeks past it, unless the archive is solid:
// then the library decodes it (members already checked against
// Limits.MaxMemberBytes on the first pass).
func (a *rarArchive) seek(ctx context.Context, password *string, idx int) (*rardecode.Reader, *rardecode.FileHeader, error) {
	rr, err := a.open(password)
	if err != nil {
		return nil, nil, err
	}
	var h *rardecode.FileHeader
	for range idx {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if h, err = a.next(rr); err != nil {
			return nil, nil, err
		}
	}
	return rr, h, nil
}

// drain reads r to its end and discards it, checking ctx as it goes and
// stopping past max bytes.
func drain(ctx context.Context, r io.Reader, max int64) error {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var k int
		err := try(func() (err error) {
			k, err = r.Read(buf)
			return err
		})
		n += int64(k)
		switch {
		case n > max:
			return errTooLarge
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}
