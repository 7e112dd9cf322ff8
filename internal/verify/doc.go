// Package verify judges whether a dataset is plausible: the report an
// editor reads before a leak is released, and readers after (docs/verify.md,
// "Plausibility report"). Build gathers, in one pass over the dataset's
// items, the DKIM results by sending domain, a timeline of every date
// (email Date headers, document creation and modification, file times) with
// the implausible ones flagged, the files whose extension lies, the
// producing software by frequency, duplicates and extraction failures, and
// writes a short summary. Chart draws the timeline as SVG on the server.
//
// The DKIM checks themselves are in the subpackage dkim; the report reads
// their stored results.
package verify
