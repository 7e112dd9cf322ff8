package archive

import "time"

// Kind is the coarse family of a file, used by the type: filter and facets.
type Kind string

const (
	KindPDF          Kind = "pdf"
	KindEmail        Kind = "email"
	KindWord         Kind = "word"
	KindSpreadsheet  Kind = "spreadsheet"
	KindPresentation Kind = "presentation"
	KindImage        Kind = "image"
	KindArchive      Kind = "archive"
	KindText         Kind = "text"
	KindHTML         Kind = "html"
	KindCSV          Kind = "csv"
	KindAudio        Kind = "audio"
	KindVideo        Kind = "video"
	KindFolder       Kind = "folder"
	KindOther        Kind = "other"
)

// Kinds lists every kind the type: filter accepts.
var Kinds = []Kind{KindPDF, KindEmail, KindWord, KindSpreadsheet, KindPresentation, KindImage,
	KindArchive, KindText, KindHTML, KindCSV, KindAudio, KindVideo, KindFolder, KindOther}

// Status is where an item's extraction stands.
type Status string

const (
	StatusPending Status = "pending" // stored, not yet extracted
	StatusOK      Status = "ok"
	StatusFailed  Status = "failed"
	StatusSkipped Status = "skipped" // nothing to extract (unsupported type): bytes kept
)

// Email holds the headers of a message (RFC 5322), decoded (RFC 2047/2231).
type Email struct {
	From       string    `json:"from,omitempty"`
	To         []string  `json:"to,omitempty"`
	Cc         []string  `json:"cc,omitempty"`
	Bcc        []string  `json:"bcc,omitempty"`
	Subject    string    `json:"subject,omitempty"`
	Date       time.Time `json:"date,omitzero"`
	MessageID  string    `json:"message_id,omitempty"`
	InReplyTo  string    `json:"in_reply_to,omitempty"`
	References []string  `json:"references,omitempty"`
}

// Meta is what extraction learns about a blob besides its text.
type Meta struct {
	Title     string            `json:"title,omitempty"`
	Author    string            `json:"author,omitempty"`
	Creator   string            `json:"creator,omitempty"`  // authoring application
	Producer  string            `json:"producer,omitempty"` // e.g. PDF producer
	Subject   string            `json:"subject,omitempty"`
	Keywords  string            `json:"keywords,omitempty"`
	Language  string            `json:"language,omitempty"` // BCP 47 / ISO 639-1 where known
	Created   time.Time         `json:"created,omitzero"`
	Modified  time.Time         `json:"modified,omitzero"`
	Pages     int               `json:"pages,omitempty"`
	Encrypted bool              `json:"encrypted,omitempty"`
	Email     *Email            `json:"email,omitempty"`
	Extra     map[string]string `json:"extra,omitempty"`
}

// Date is the best single date for sorting and date filters: the email Date,
// else the document's creation, else its modification time.
func (m *Meta) Date() time.Time {
	switch {
	case m.Email != nil && !m.Email.Date.IsZero():
		return m.Email.Date
	case !m.Created.IsZero():
		return m.Created
	default:
		return m.Modified
	}
}

// Failure records why extraction of a blob failed.
type Failure struct {
	Reason    string `json:"reason"`              // corrupt, encrypted, unsupported, bomb, too_deep, timeout, tool_missing, too_large, internal
	Extractor string `json:"extractor,omitempty"` // which extractor failed
	Message   string `json:"message"`
	Stderr    string `json:"stderr,omitempty"` // excerpt of an external tool's stderr
}

// Item is one occurrence of a file in a dataset: a file on disk, an archive
// member, an attachment, a message in a mailbox. Its bytes are a blob; many
// items may share one blob (duplicates), which is extracted once.
type Item struct {
	ID          int64
	DatasetID   int64
	ParentID    int64  // 0 for a top-level file
	Name        string // file name (last path element)
	Path        string // full chain inside the dataset: folder/archive.zip/mail.eml/att.pdf
	Blob        BlobID
	Size        int64
	MIME        string // sniffed from content
	Kind        Kind
	Ext         string // declared extension, lower case, without dot
	ExtLies     bool   // the extension names another type than the content
	FileTime    time.Time
	Date        time.Time // best date (see Meta.Date), zero if unknown
	Status      Status
	Failure     *Failure
	Meta        Meta
	DuplicateOf int64 // another item with the same blob in this dataset, whose extraction this one shares

	// Container accounting: children the container announced, emitted, failed.
	ChildrenExpected int64
	ChildrenEmitted  int64
	ChildrenFailed   int64
}
