package archive

import (
	"context"
	"io"
	"time"
)

// Catalog holds datasets and items. Every read takes the reader's Principal
// and filters by release level inside the query: an item or dataset the
// principal may not read is reported exactly like one that does not exist
// (ENotFound), and is absent from every list and count.
type Catalog interface {
	// CreateDataset stores d and sets d.ID. EConflict if the slug exists.
	CreateDataset(ctx context.Context, d *Dataset) error
	// UpdateDataset saves d's editable fields (title, description,
	// countries, source, level). ENotFound if it does not exist.
	UpdateDataset(ctx context.Context, d *Dataset) error
	// Datasets lists the datasets p may read, by slug, with counts.
	Datasets(ctx context.Context, p Principal) ([]*Dataset, error)
	// Dataset returns one dataset by slug, with counts, or ENotFound.
	Dataset(ctx context.Context, p Principal, slug string) (*Dataset, error)
	// Item returns one item, or ENotFound.
	Item(ctx context.Context, p Principal, id int64) (*Item, error)
	// Parents returns the chain of containers of an item, outermost first.
	Parents(ctx context.Context, p Principal, id int64) ([]*Item, error)
	// Children lists the direct children of an item, by path.
	Children(ctx context.Context, p Principal, id int64, limit, offset int) ([]*Item, error)
	// Text writes the extracted text of an item to w ('\f' between pages).
	Text(ctx context.Context, p Principal, id int64, w io.Writer) error
	// Failures lists items whose extraction failed, for a dataset.
	Failures(ctx context.Context, p Principal, datasetID int64, limit int) ([]*Item, error)
}

// Index searches extracted text and metadata.
type Index interface {
	Search(ctx context.Context, p Principal, req SearchRequest) (*SearchResult, error)
}

// Sort orders search results.
type Sort string

const (
	SortRelevance Sort = "relevance"
	SortNewest    Sort = "newest"
	SortOldest    Sort = "oldest"
)

// SearchRequest is one search. Query uses trove's query language (docs/query.md).
type SearchRequest struct {
	Query   string
	Dataset string // restrict to one dataset slug ("" = all readable)
	Sort    Sort
	Limit   int // default 20, at most 1000
	Offset  int
	Facets  bool
}

// Hit is one search result: an item with the best snippet of its text.
type Hit struct {
	Item    *Item
	Dataset string // slug
	Score   float64
	Snippet string // text with matches between "\x02" and "\x03"; not escaped
	Page    int    // page of the snippet (1-based) when the document has pages, else 0
	Copies  int    // other visible items with the same content
}

// FacetCount is one value of a facet with its count of matching documents.
type FacetCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// SearchResult is a page of hits with the total and facets.
type SearchResult struct {
	Total  int64
	Hits   []Hit
	Facets map[string][]FacetCount // dataset, type, year, domain, lang
	Took   time.Duration
}
