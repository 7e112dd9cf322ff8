// Package ingest walks files into a dataset: each file is stored in the
// content-addressed store, sniffed, extracted (text, metadata, children),
// recorded in the catalog and indexed. Containers (archives, emails,
// mailboxes) are recursed into; every child is linked to its parent with its
// path. Work runs in parallel; identical content is extracted once. An
// interrupted ingest resumes: files already fully ingested are skipped by
// path, size and modification time, and a blob whose extraction was cut off
// is extracted again from scratch.
package ingest
