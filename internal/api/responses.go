package api

import (
	"regexp"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country"
)

// The API's response types. Domain structs are never encoded directly:
// each field a client sees is chosen here, so that a field added to the
// domain cannot leak. openapi.json describes each type (its schema name is
// given in the comment); a test checks responses against it.

// errorOut is Error.
type errorOut struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// datasetListOut is DatasetList.
type datasetListOut struct {
	Datasets []datasetOut `json:"datasets"`
}

// datasetOut is Dataset.
type datasetOut struct {
	Slug        string   `json:"slug"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Countries   []string `json:"countries"`
	Source      string   `json:"source,omitempty"` // staff only
	Level       string   `json:"level"`
	Created     string   `json:"created"`
	Updated     string   `json:"updated"`
	Items       int64    `json:"items"`
	Bytes       int64    `json:"bytes"`
	Failed      int64    `json:"failed"`
}

// datasetDetailOut is DatasetDetail: a Dataset and its breakdown by type.
type datasetDetailOut struct {
	datasetOut
	Types []facetOut `json:"types,omitempty"`
	// Verdict is the editors' verdict (report_handlers.go); absent when the
	// catalog keeps none.
	Verdict *verdictOut `json:"verdict,omitempty"`
}

// folderOut is Folder.
type folderOut struct {
	Dataset    string        `json:"dataset"`
	Path       string        `json:"path"`
	Folders    []string      `json:"folders"`
	Items      []itemSummary `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// facetOut is FacetCount.
type facetOut struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// facetsOut is Facets.
type facetsOut struct {
	Dataset []facetOut `json:"dataset"`
	Type    []facetOut `json:"type"`
	Year    []facetOut `json:"year"`
	Domain  []facetOut `json:"domain"`
	Lang    []facetOut `json:"lang"`
	Country []facetOut `json:"country"`
}

// searchOut is SearchResult.
type searchOut struct {
	Query      string    `json:"query"`
	Dataset    string    `json:"dataset,omitempty"`
	Sort       string    `json:"sort"`
	Total      int64     `json:"total"`
	TookMS     float64   `json:"took_ms"`
	Hits       []hitOut  `json:"hits"`
	Facets     facetsOut `json:"facets"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

// hitOut is Hit.
type hitOut struct {
	ItemID  int64    `json:"item_id"`
	Dataset string   `json:"dataset"`
	Path    string   `json:"path"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	MIME    string   `json:"mime"`
	Size    int64    `json:"size"`
	SHA256  string   `json:"sha256"`
	Date    string   `json:"date,omitempty"`
	Title   string   `json:"title,omitempty"`
	Score   float64  `json:"score"`
	Snippet string   `json:"snippet"`
	Matches []string `json:"matches"`
	Page    int      `json:"page,omitempty"`
	Copies  int      `json:"copies"`
}

// itemSummary is ItemSummary: an item in a list.
type itemSummary struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Path   string `json:"path"`
	Type   string `json:"type"`
	MIME   string `json:"mime"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Date   string `json:"date,omitempty"`
	Status string `json:"status"`
}

// itemOut is Item.
type itemOut struct {
	ID          int64         `json:"id"`
	Dataset     string        `json:"dataset"`
	Path        string        `json:"path"`
	Name        string        `json:"name"`
	SHA256      string        `json:"sha256"`
	Size        int64         `json:"size"`
	MIME        string        `json:"mime"`
	Type        string        `json:"type"`
	Ext         string        `json:"ext,omitempty"`
	ExtMismatch bool          `json:"extension_mismatch"`
	FileTime    string        `json:"file_time,omitempty"`
	Date        string        `json:"date,omitempty"`
	Status      string        `json:"status"`
	Failure     *failureOut   `json:"failure,omitempty"`
	Meta        metaOut       `json:"meta"`
	DuplicateOf int64         `json:"duplicate_of,omitempty"`
	Children    childCounts   `json:"children"`
	Parents     []itemSummary `json:"parents"`
	DKIM        []dkimOut     `json:"dkim,omitempty"`
	Countries   []countryOut  `json:"countries,omitempty"`
}

// countryOut is DocumentCountry: a country detected in the item's
// document, with its evidence.
type countryOut struct {
	Country  string        `json:"country"`
	Name     string        `json:"name"`
	Assigned bool          `json:"assigned"`
	Evidence []evidenceOut `json:"evidence"`
}

// evidenceOut is CountryEvidence.
type evidenceOut struct {
	Kind  string `json:"kind"`
	Text  string `json:"text"`
	Count int    `json:"count"`
}

func newCountries(dcs []archive.DocumentCountry) []countryOut {
	var out []countryOut
	for _, dc := range dcs {
		co := countryOut{Country: dc.Country, Name: dc.Country, Assigned: dc.Assigned, Evidence: []evidenceOut{}}
		if c, ok := country.Lookup(dc.Country); ok {
			co.Name = c.Name
		}
		for _, e := range dc.Evidence {
			co.Evidence = append(co.Evidence, evidenceOut{Kind: e.Kind, Text: e.Text, Count: e.Count})
		}
		out = append(out, co)
	}
	return out
}

// dkimOut is DKIMResult (the key record itself is not sent).
type dkimOut struct {
	Verdict          string   `json:"verdict"`
	Reason           string   `json:"reason,omitempty"`
	Domain           string   `json:"domain,omitempty"`
	Selector         string   `json:"selector,omitempty"`
	Algorithm        string   `json:"algorithm,omitempty"`
	Canonicalization string   `json:"canonicalization,omitempty"`
	Headers          []string `json:"headers,omitempty"`
	KeySource        string   `json:"key_source,omitempty"`
	KeyFetched       string   `json:"key_fetched,omitempty"`
}

func newDKIM(rs []archive.DKIMResult) []dkimOut {
	var out []dkimOut
	for _, r := range rs {
		out = append(out, dkimOut{Verdict: string(r.Verdict), Reason: r.Reason, Domain: r.Domain, Selector: r.Selector,
			Algorithm: r.Algorithm, Canonicalization: r.Canonicalization, Headers: r.Headers, KeySource: r.KeySource,
			KeyFetched: formatTime(r.KeyFetched)})
	}
	return out
}

// failureOut is Failure. The stderr excerpt of external tools is never
// shown, and paths in the message are redacted (see redactPaths).
type failureOut struct {
	Reason    string `json:"reason"`
	Extractor string `json:"extractor,omitempty"`
	Message   string `json:"message"`
}

// childCounts is ChildCounts: a container's accounting of its members.
// Expected is -1 when the container did not announce a number.
type childCounts struct {
	Expected int64 `json:"expected"`
	Emitted  int64 `json:"emitted"`
	Failed   int64 `json:"failed"`
}

// metaOut is Meta.
type metaOut struct {
	Title     string            `json:"title,omitempty"`
	Author    string            `json:"author,omitempty"`
	Creator   string            `json:"creator,omitempty"`
	Producer  string            `json:"producer,omitempty"`
	Subject   string            `json:"subject,omitempty"`
	Keywords  string            `json:"keywords,omitempty"`
	Language  string            `json:"language,omitempty"`
	Created   string            `json:"created,omitempty"`
	Modified  string            `json:"modified,omitempty"`
	Pages     int               `json:"pages,omitempty"`
	Encrypted bool              `json:"encrypted,omitempty"`
	Email     *emailOut         `json:"email,omitempty"`
	Extra     map[string]string `json:"extra,omitempty"`
}

// emailOut is Email: the headers of a message (RFC 5322), decoded
// (RFC 2047/2231).
type emailOut struct {
	From       string   `json:"from,omitempty"`
	To         []string `json:"to,omitempty"`
	Cc         []string `json:"cc,omitempty"`
	Bcc        []string `json:"bcc,omitempty"`
	Subject    string   `json:"subject,omitempty"`
	Date       string   `json:"date,omitempty"`
	MessageID  string   `json:"message_id,omitempty"`
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
}

// childrenOut is Children.
type childrenOut struct {
	Item       int64         `json:"item"`
	Items      []itemSummary `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func newDataset(ds *archive.Dataset, p archive.Principal) datasetOut {
	out := datasetOut{Slug: ds.Slug, Title: ds.Title, Description: ds.Description, Countries: []string{},
		Level: string(ds.Level), Created: formatTime(ds.Created), Updated: formatTime(ds.Updated),
		Items: ds.Items, Bytes: ds.Bytes, Failed: ds.Failed}
	out.Countries = append(out.Countries, ds.Countries...)
	if p.SeesAll() {
		// The source note is for staff: it may say more about a source
		// than the archive publishes.
		out.Source = ds.Source
	}
	return out
}

func newFacets(fc []archive.FacetCount) []facetOut {
	out := make([]facetOut, 0, len(fc))
	for _, f := range fc {
		out = append(out, facetOut{Value: f.Value, Count: f.Count})
	}
	return out
}

func newSummary(it *archive.Item) itemSummary {
	return itemSummary{ID: it.ID, Name: it.Name, Path: it.Path, Type: string(it.Kind), MIME: it.MIME, Size: it.Size,
		SHA256: it.Blob.String(), Date: formatTime(it.Date), Status: string(it.Status)}
}

func newSummaries(items []*archive.Item) []itemSummary {
	out := make([]itemSummary, 0, len(items))
	for _, it := range items {
		out = append(out, newSummary(it))
	}
	return out
}

func newItem(it *archive.Item, slug string, parents []*archive.Item) itemOut {
	out := itemOut{ID: it.ID, Dataset: slug, Path: it.Path, Name: it.Name, SHA256: it.Blob.String(), Size: it.Size,
		MIME: it.MIME, Type: string(it.Kind), Ext: it.Ext, ExtMismatch: it.ExtLies, FileTime: formatTime(it.FileTime),
		Date: formatTime(it.Date), Status: string(it.Status), Meta: newMeta(&it.Meta), DuplicateOf: it.DuplicateOf,
		Children: childCounts{Expected: it.ChildrenExpected, Emitted: it.ChildrenEmitted, Failed: it.ChildrenFailed},
		Parents:  newSummaries(parents)}
	if f := it.Failure; f != nil {
		out.Failure = &failureOut{Reason: f.Reason, Extractor: f.Extractor, Message: redactPaths(f.Message)}
	}
	return out
}

func newMeta(m *archive.Meta) metaOut {
	out := metaOut{Title: m.Title, Author: m.Author, Creator: m.Creator, Producer: m.Producer, Subject: m.Subject,
		Keywords: m.Keywords, Language: m.Language, Created: formatTime(m.Created), Modified: formatTime(m.Modified),
		Pages: m.Pages, Encrypted: m.Encrypted}
	if len(m.Extra) > 0 {
		out.Extra = make(map[string]string, len(m.Extra))
		for k, v := range m.Extra {
			out.Extra[k] = v
		}
	}
	if e := m.Email; e != nil {
		out.Email = &emailOut{From: e.From, To: e.To, Cc: e.Cc, Bcc: e.Bcc, Subject: e.Subject, Date: formatTime(e.Date),
			MessageID: e.MessageID, InReplyTo: e.InReplyTo, References: e.References}
	}
	return out
}

// newHit converts a search hit. The snippet's match markers (\x02, \x03)
// are removed; the marked words are listed in Matches.
func newHit(h archive.Hit) hitOut {
	it := h.Item
	return hitOut{ItemID: it.ID, Dataset: h.Dataset, Path: it.Path, Name: it.Name, Type: string(it.Kind), MIME: it.MIME,
		Size: it.Size, SHA256: it.Blob.String(), Date: formatTime(it.Date), Title: it.Meta.Title, Score: h.Score,
		Snippet: markers.Replace(h.Snippet), Matches: marked(h.Snippet), Page: h.Page, Copies: h.Copies}
}

var markers = strings.NewReplacer("\x02", "", "\x03", "")

// marked returns the spans of a snippet between \x02 and \x03.
func marked(s string) []string {
	out := []string{}
	for {
		i := strings.IndexByte(s, 2)
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], 3)
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
}

// absPath matches an absolute path (Unix or Windows) starting a token.
var absPath = regexp.MustCompile(`(^|[\s'"=(:\[])(?:[A-Za-z]:)?[\\/][^\s'"<>|:;,()\[\]]+`)

// redactPaths replaces absolute file-system paths in an extraction message
// with "[path]": the messages of tools and the operating system may name
// the server's files (the store, temporary copies), which can say more than
// a reader should learn. Paths inside the dataset ("folder/a.zip") are kept.
func redactPaths(s string) string {
	return absPath.ReplaceAllString(s, "${1}[path]")
}
