package publish

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
)

// releaseRow is one release in the /releases/ listing; the hrefs are
// relative to /releases/ and already escaped.
type releaseRow struct {
	Name      string
	Dataset   string
	Title     string
	Level     archive.ReleaseLevel
	Created   time.Time
	Files     int
	Size      int64
	Href      string // NAME/
	Torrent   string
	Tar       string
	Zip       string
	Magnet    template.URL // "" when there is none
	Countries string
}

func (h *handler) row(rel *archive.Release) releaseRow {
	dir := escape(rel.Name) + "/"
	title := rel.Title
	if title == "" {
		title = rel.Dataset
	}
	return releaseRow{
		Name: rel.Name, Dataset: rel.Dataset, Title: title, Level: rel.Level, Created: rel.Created,
		Files: rel.Files, Size: rel.Size, Href: dir,
		Torrent: dir + escape(rel.Name+".torrent"), Tar: dir + escape(rel.Name+".tar"), Zip: dir + escape(rel.Name+".zip"),
		Magnet: safeMagnet(h.magnet(rel)), Countries: strings.Join(rel.Countries, " "),
	}
}

// safeMagnet lets a magnet URI through html/template's URL filter (which
// only allows http, https and mailto); anything else becomes "".
func safeMagnet(s string) template.URL {
	if !strings.HasPrefix(s, "magnet:?") || strings.ContainsAny(s, "\"'<> \t\r\n") {
		return ""
	}
	return template.URL(s)
}

type releasesData struct {
	Title     string
	Releases  []releaseRow
	PublicKey bool
}

// releasesPage lists the releases the reader may see: GET /releases/.
func (h *handler) releasesPage(w http.ResponseWriter, r *http.Request) {
	list, err := h.releases(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := releasesData{Title: "Releases", PublicKey: len(h.publicKeyText()) > 0}
	for _, rel := range list {
		d.Releases = append(d.Releases, h.row(rel))
	}
	h.render(w, http.StatusOK, "releases", d)
}

func (h *handler) publicKeyText() []byte {
	if h.cfg.PublicKey == nil {
		return nil
	}
	return h.cfg.PublicKey()
}

// publicKey serves the archive's minisign public key file.
func (h *handler) publicKey(w http.ResponseWriter, r *http.Request) {
	b := h.publicKeyText()
	if len(b) == 0 {
		h.notFound(w, r)
		return
	}
	serveBytes(w, r, "text/plain; charset=utf-8", time.Time{}, b)
}

// releaseSlash sends /releases/NAME to /releases/NAME/, for every name
// alike (the redirect says nothing about existence).
func (h *handler) releaseSlash(w http.ResponseWriter, r *http.Request) {
	redirect(w, "/releases/"+escape(r.PathValue("name"))+"/")
}

// artifact is one file of a release folder on /releases/NAME/.
type artifact struct {
	Name  string
	Href  string
	Size  int64 // -1: not known in advance
	About string
}

type releaseData struct {
	Title          string
	R              releaseRow
	Description    string
	Source         string
	InfoHash       string
	ManifestSHA256 string
	Origin         string
	Complete       bool
	Artifacts      []artifact
	FilesHref      string
	PublicKey      bool
}

// releasePage lists a release's folder: GET /releases/NAME/.
func (h *handler) releasePage(w http.ResponseWriter, r *http.Request) {
	rel, ok := h.release(w, r)
	if !ok {
		return
	}
	m, err := release.Parse(rel.Manifest)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := releaseData{
		Title: rel.Name, R: h.row(rel), Description: m.Dataset.Description, Source: m.Dataset.Source,
		InfoHash: rel.InfoHash, ManifestSHA256: release.Digest(rel.Manifest), Origin: rel.Origin, Complete: rel.Complete,
		FilesHref: "/files/" + escape(rel.Name) + "/", PublicKey: len(h.publicKeyText()) > 0,
	}
	tarSize, err := tarLength(bundleEntries(rel, m), rel.Created)
	if err != nil {
		tarSize = -1
	}
	d.Artifacts = []artifact{
		{release.ManifestName, escape(release.ManifestName), int64(len(rel.Manifest)), "every file with its size and SHA-256, signed"},
		{release.SignatureName, escape(release.SignatureName), int64(len(rel.Signature)), "minisign signature of manifest.json"},
		{release.SumsName, escape(release.SumsName), int64(len(m.Sums())), "for sha256sum -c"},
		{rel.Name + ".torrent", escape(rel.Name + ".torrent"), -1, "BitTorrent metainfo; this server and its mirrors are web seeds"},
		{rel.Name + ".tar", escape(rel.Name + ".tar"), tarSize, "the whole release folder in one tar file"},
		{rel.Name + ".zip", escape(rel.Name + ".zip"), -1, "the whole release folder in one zip file (stored, zip64)"},
	}
	h.render(w, http.StatusOK, "release", d)
}

// releaseFile serves one file of a release folder:
// GET /releases/NAME/{manifest.json, manifest.json.minisig, SHA256SUMS,
// NAME.torrent, NAME.tar, NAME.zip}.
func (h *handler) releaseFile(w http.ResponseWriter, r *http.Request) {
	rel, ok := h.release(w, r)
	if !ok {
		return
	}
	switch r.PathValue("file") {
	case release.ManifestName:
		serveBytes(w, r, "application/json", rel.Created, rel.Manifest)
	case release.SignatureName:
		serveBytes(w, r, "text/plain; charset=utf-8", rel.Created, rel.Signature)
	case release.SumsName:
		m, err := release.Parse(rel.Manifest)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		serveBytes(w, r, "text/plain; charset=utf-8", rel.Created, m.Sums())
	case rel.Name + ".torrent":
		h.torrent(w, r, rel)
	case rel.Name + ".tar":
		h.bundle(w, r, rel, tarFormat)
	case rel.Name + ".zip":
		h.bundle(w, r, rel, zipFormat)
	default:
		h.notFound(w, r)
	}
}

func (h *handler) torrent(w http.ResponseWriter, r *http.Request, rel *archive.Release) {
	if h.cfg.Torrent == nil {
		h.notFound(w, r)
		return
	}
	b, err := h.cfg.Torrent(r.Context(), rel)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", attachment(rel.Name+".torrent"))
	serveBytes(w, r, "application/x-bittorrent", time.Time{}, b)
}
