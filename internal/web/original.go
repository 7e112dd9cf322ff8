package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// original sends an item's bytes as an attachment that no browser renders:
// a sandbox policy that allows nothing, no sniffing, a neutral type. The
// ETag is the blob's SHA-256, so ranges and resumed downloads (If-Range)
// work through http.ServeContent.
func (h *Handler) original(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := archive.PrincipalFrom(ctx)
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	it, err := h.deps.Catalog.Item(ctx, p, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ds, err := h.deps.Browse.DatasetByID(ctx, p, it.DatasetID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The bytes are checked against their hash before anything is sent
	// (or were, by a complete read within the last hour); the file then goes
	// out with sendfile.
	var rc io.ReadSeekCloser
	if vs, ok := h.deps.Store.(verifiedOpener); ok {
		f, err := vs.OpenVerified(ctx, it.Blob)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		rc = f
	} else {
		rc, err = h.deps.Store.Open(ctx, it.Blob)
		if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	defer rc.Close()
	if r.Method == http.MethodGet {
		if err := h.audit(r, archive.AuditDownload, ds.Level, ds.ID, id, ""); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Disposition", attachment(it.Name))
	hd.Set("ETag", `"`+it.Blob.String()+`"`)
	hd.Set("Cache-Control", "private, no-transform")
	http.ServeContent(w, r, "", time.Time{}, rc)
}

// verifiedOpener is a store that can hand out a checked file for
// zero-copy serving (store.Store does).
type verifiedOpener interface {
	OpenVerified(ctx context.Context, id archive.BlobID) (*os.File, error)
}

// attachment is a Content-Disposition of type attachment with the file
// name (RFC 6266): an ASCII fallback in filename, and the UTF-8 name in
// filename* (RFC 8187) when it differs.
func attachment(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	if name == "" || name == "." || name == ".." {
		name = "download"
	}
	ascii := strings.Map(func(r rune) rune {
		if r > 0x7e || r == '"' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	v := fmt.Sprintf(`attachment; filename="%s"`, ascii)
	if ascii != name {
		v += "; filename*=UTF-8''" + rfc8187(name)
	}
	return v
}

// rfc8187 percent-encodes everything outside attr-char.
func rfc8187(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
