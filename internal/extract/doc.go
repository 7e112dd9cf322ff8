// Package extract turns stored bytes into searchable text, metadata and
// children. It sniffs a file's type from its bytes (sniff.go), and hands it to
// the Extractor registered for that type. Format families live in
// subpackages (text, html, pdf, office, email, container); cmd/trove wires
// them into a Registry by hand.
package extract
