package extract

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// Type is what sniffing learned about some bytes.
type Type struct {
	MIME string       // e.g. "application/pdf", "message/rfc822", "application/mbox"
	Kind archive.Kind // family for the type: filter
}

// Input is one blob to extract.
type Input struct {
	Name string // the file name it had where it was found (may be empty)
	Path string // a local file holding the bytes; read-only
	Size int64
	Type Type
	// Volumes are the further volumes of a multi-volume archive whose
	// first volume this is, in order (see VolumeSets); extractors of
	// formats that have volumes read them after Path.
	Volumes []Volume
}

// ChildInfo describes a container member as the container announces it.
type ChildInfo struct {
	Name    string // member path inside the container as recorded (never used as a file-system path)
	ModTime time.Time
	// MIME, when the container declares it (an email part's Content-Type);
	// the ingest still sniffs the bytes.
	MIME string
}

// Sink receives what an extractor produces. Text is written as UTF-8; a form
// feed ('\f') separates pages. Implementations are not safe for concurrent use.
type Sink interface {
	io.Writer
	// Meta returns the metadata record to fill in.
	Meta() *archive.Meta
	// Expect announces how many children the container says it holds
	// (e.g. a zip's central directory count); call it before emitting.
	Expect(n int)
	// Child stores one member. r is read to EOF (or until an error) before
	// Child returns. A non-nil error means stop: the budget for this
	// container is exhausted (ErrBomb) or the context is done.
	Child(ctx context.Context, info ChildInfo, r io.Reader) error
	// ChildFailed records a member that could not be read, with why; the
	// container goes on with the next member.
	ChildFailed(info ChildInfo, err error)
	// Passwords lists passwords to try on encrypted content.
	Passwords() []string
}

// Extractor extracts one family of formats.
type Extractor interface {
	// Name identifies the extractor in failure records ("pdftotext", "zip").
	Name() string
	// MIMEs lists the sniffed MIME types this extractor handles.
	MIMEs() []string
	// Extract writes text and metadata of in to s, and emits children.
	Extract(ctx context.Context, in Input, s Sink) error
}

// Sentinel errors; the ingest records them as failure reasons.
var (
	ErrUnsupported = errors.New("unsupported format")
	ErrCorrupt     = errors.New("corrupt or truncated file")
	ErrEncrypted   = errors.New("encrypted; no password worked")
	ErrBomb        = errors.New("expansion limit exceeded (possible decompression bomb)")
	ErrTooDeep     = errors.New("nesting too deep")
	ErrTimeout     = errors.New("extraction timed out")
	ErrToolMissing = errors.New("external tool not installed")
	ErrTooLarge    = errors.New("too large")
)

// Reason maps an extraction error to the short reason recorded in the catalog.
func Reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUnsupported):
		return "unsupported"
	case errors.Is(err, ErrCorrupt):
		return "corrupt"
	case errors.Is(err, ErrEncrypted):
		return "encrypted"
	case errors.Is(err, ErrBomb):
		return "bomb"
	case errors.Is(err, ErrTooDeep):
		return "too_deep"
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, ErrToolMissing):
		return "tool_missing"
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	default:
		return "internal"
	}
}

// ToolError is the error of an external tool run, carrying an excerpt of
// its standard error for the failure record.
type ToolError struct {
	Tool   string
	Err    error
	Stderr string
}

func (e *ToolError) Error() string { return fmt.Sprintf("%s: %v", e.Tool, e.Err) }
func (e *ToolError) Unwrap() error { return e.Err }

// Registry dispatches by sniffed MIME type.
type Registry struct {
	byMIME map[string]Extractor
	all    []Extractor
}

// NewRegistry registers extractors; a later one wins for a MIME type both claim.
func NewRegistry(ex ...Extractor) *Registry {
	r := &Registry{byMIME: map[string]Extractor{}}
	for _, e := range ex {
		r.all = append(r.all, e)
		for _, m := range e.MIMEs() {
			r.byMIME[m] = e
		}
	}
	return r
}

// For returns the extractor for a MIME type, or nil.
func (r *Registry) For(mime string) Extractor { return r.byMIME[mime] }

// Extractors lists every registered extractor.
func (r *Registry) Extractors() []Extractor { return r.all }
