// Package query parses trove's search language (docs/query.md) into a small
// syntax tree that search engines compile to their own queries. It knows no
// engine: it checks syntax and field values, and leaves tokenizing, folding
// and ranking to the engine.
//
//	n, err := query.Parse(`panama (offshore OR shell*) -"press release" date:2014..2015`)
//	var qe *query.Error
//	if errors.As(err, &qe) {
//		fmt.Println(qe.Caret()) // the query, and a caret under the problem
//	}
//
// Parse returns nil and no error for an empty query: match every item the
// reader may see. Errors are *Error, which also unwraps to an archive.Error
// with code EInvalid. String renders a node back as a query that parses to
// the same node; Walk visits nodes; Terms lists the words to highlight.
//
// # What each node means
//
// Engines implement these semantics exactly. "Matches" is always within the
// items the principal may read.
//
//   - nil: every item.
//   - And: items matched by every node. Or: items matched by at least one.
//   - Not: items not matched by its node. A query may be purely negative
//     (-foo, or NOT a alone); the engine either runs it against every
//     readable item or rejects it with an EInvalid error. Not may appear
//     anywhere, also inside Or.
//   - Term: Text appears in the item's searchable text (the engine decides
//     which columns: body, title, file name, email headers). Text is raw:
//     the engine folds case and diacritics and splits Text into tokens with
//     the tokenizer it indexed with. Several tokens (alice@example.org,
//     e-mail, O'Brien) match as a phrase, even when Phrase is false.
//   - Term.Phrase: the tokens of Text, next to each other and in order.
//   - Term.Prefix: a token starting with Text (with several tokens: a
//     phrase whose last token is a prefix).
//   - Term.Substring: Text anywhere in the folded text, also inside words;
//     served by a trigram index. Text has at least 3 characters.
//   - Term.Fuzzy > 0: a token within Fuzzy edits (insert, delete, replace,
//     swap two neighbours) of Text. Fuzzy 0 is an exact match. word~
//     gives 1 for 4 to 7 letters, 2 for 8 and more, 0 below.
//   - Term.CJK: Text holds Chinese, Japanese or Korean characters, written
//     without spaces between words: match Text as a substring (trigram
//     index). Texts of 1 or 2 characters are shorter than a trigram and
//     need a fallback. For CJK terms, Prefix is served as a substring and
//     Fuzzy may be ignored.
//   - Field (Name, Value):
//     dataset: the item's dataset slug equals Value; a slug the reader may
//     not see, or that does not exist, matches nothing (not an error).
//     type: archive.Item.Kind equals Value.
//     from: Value occurs anywhere in the sender header (display name and
//     address), both folded like text (case, diacritics); a * in Value
//     stands for any run of characters.
//     to: as from, against the recipients (To, Cc, Bcc).
//     subject: as from, against the email subject or the document's
//     subject and title metadata.
//     filename: as from, against archive.Item.Name.
//     ext: archive.Item.Ext equals Value.
//     lang: archive.Meta.Language, lower-cased, equals Value or starts
//     with Value followed by "-" (lang:pt matches pt-br).
//     country: the item's dataset lists Value in its Countries.
//     has: (always "attachment") an email item with at least one child
//     item. Field.Phrase only records that the value was quoted.
//   - DateRange: archive.Item.Date is known (not zero) and From <= Date <
//     To, in UTC; a zero From or To leaves that side open. Items without a
//     date never match, so they do match the Not of a DateRange.
//
// Filters are ordinary operands: type:pdf OR type:word and -date:2019 are
// valid, and several date filters combine with AND like anything else.
//
// # Shape guarantees
//
// Nodes returned by Parse are values (And, not *And). And and Or hold at
// least two nodes and never hold a node of their own kind; Not never holds
// nil; Terms hold a letter or digit. Parse accepts at most MaxLen bytes,
// MaxDepth nested groups and negations and MaxTerms terms and filters, so
// the tree is small and shallow.
package query
