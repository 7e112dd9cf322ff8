package query

import "time"

// Node is one node of a parsed query: And, Or, Not, Term, Field or
// DateRange. Nodes are values; switch on query.And, not *query.And.
// A nil Node means "match everything" (an empty query).
type Node interface{ node() }

// And matches what every one of Nodes matches. Parsed queries hold at least
// two Nodes and never an And directly inside an And.
type And struct{ Nodes []Node }

// Or matches what at least one of Nodes matches. Parsed queries hold at
// least two Nodes and never an Or directly inside an Or.
type Or struct{ Nodes []Node }

// Not matches what Node does not match. Node is never nil in parsed queries.
type Not struct{ Node Node }

// Term is a word or a phrase to find in the text of items.
//
// Text is what the user typed, without the syntax around it (quotes, *, ~,
// a leading -): the engine folds case and diacritics and splits it into
// tokens itself. Text always holds at least one letter or digit. At most one
// of Phrase, Prefix, Substring and Fuzzy > 0 is set; CJK may accompany any.
type Term struct {
	Text string
	// Phrase: the text was quoted; its tokens must occur next to each
	// other, in order.
	Phrase bool
	// Prefix: word* — any token starting with Text.
	Prefix bool
	// Substring: *sub* or *sub — Text anywhere inside the text, also
	// inside words (trigram index). Text has at least 3 characters.
	Substring bool
	// Fuzzy is the largest number of edits (0, 1 or 2) a token may differ
	// from Text by. 0 means exact.
	Fuzzy int
	// CJK: Text holds Chinese, Japanese or Korean characters, which are
	// written without spaces between words; match it as a substring.
	CJK bool
}

// Field names, as they appear in Field.Name.
const (
	FieldDataset  = "dataset"  // dataset slug
	FieldType     = "type"     // archive.Kind
	FieldFrom     = "from"     // email sender
	FieldTo       = "to"       // email recipients (To, Cc, Bcc)
	FieldSubject  = "subject"  // email subject, document subject or title
	FieldFilename = "filename" // item file name
	FieldExt      = "ext"      // declared file extension
	FieldLang     = "lang"     // language code
	FieldCountry  = "country"  // dataset country (ISO 3166-1 alpha-2)
	FieldHas      = "has"      // "attachment"
)

// Field restricts results by one property of an item.
//
// Name is one of the Field… constants. Value is normalized per field: dataset
// is a valid slug, type is one of archive.Kinds, ext is lower case without a
// leading dot, lang is a lower-case language code (pt-br), country is two
// upper-case letters, has is "attachment". For from, to, subject and filename
// Value is the text as typed (runs of spaces collapsed, * kept: it is a
// wildcard there) and Phrase reports that it was quoted; it holds at least one
// letter or digit.
type Field struct {
	Name   string
	Value  string
	Phrase bool
}

// DateRange matches items whose date (archive.Item.Date) is known and lies in
// [From, To). Both are midnight UTC; a zero time leaves that side open, but
// never both.
type DateRange struct{ From, To time.Time }

func (And) node()       {}
func (Or) node()        {}
func (Not) node()       {}
func (Term) node()      {}
func (Field) node()     {}
func (DateRange) node() {}

// Walk calls fn for n and then, if fn returns true, for each node below n,
// depth first, in order. A nil n is not visited.
func Walk(n Node, fn func(Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	switch n := n.(type) {
	case And:
		for _, c := range n.Nodes {
			Walk(c, fn)
		}
	case Or:
		for _, c := range n.Nodes {
			Walk(c, fn)
		}
	case Not:
		Walk(n.Node, fn)
	}
}

// Terms returns the terms an item matching n may contain, in query order:
// every Term that is not negated (under an even number of Nots). Use it to
// highlight matches.
func Terms(n Node) []Term {
	var out []Term
	var visit func(n Node, negated bool)
	visit = func(n Node, negated bool) {
		switch n := n.(type) {
		case Term:
			if !negated {
				out = append(out, n)
			}
		case And:
			for _, c := range n.Nodes {
				visit(c, negated)
			}
		case Or:
			for _, c := range n.Nodes {
				visit(c, negated)
			}
		case Not:
			visit(n.Node, !negated)
		}
	}
	visit(n, false)
	return out
}

// newAnd flattens nested Ands and collapses zero or one node.
func newAnd(nodes []Node) Node {
	var flat []Node
	for _, n := range nodes {
		if a, ok := n.(And); ok {
			flat = append(flat, a.Nodes...)
		} else if n != nil {
			flat = append(flat, n)
		}
	}
	switch len(flat) {
	case 0:
		return nil
	case 1:
		return flat[0]
	}
	return And{Nodes: flat}
}

// newOr flattens nested Ors and collapses zero or one node.
func newOr(nodes []Node) Node {
	var flat []Node
	for _, n := range nodes {
		if o, ok := n.(Or); ok {
			flat = append(flat, o.Nodes...)
		} else if n != nil {
			flat = append(flat, n)
		}
	}
	switch len(flat) {
	case 0:
		return nil
	case 1:
		return flat[0]
	}
	return Or{Nodes: flat}
}
