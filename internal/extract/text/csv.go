package text

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteCSV writes the delimited table read from r (bytes in any charset
// Decode knows) to w, one line per row. When the first row looks like a
// header, each cell is written as "column: value" and cells are separated
// by tabs: "Name: Alice\tEmail: a@b.org". Empty cells are left out; line
// breaks inside quoted cells become spaces. comma is the delimiter (0
// means ','). Should the table stop parsing (a record longer than 4 MiB),
// the rest is written as plain text.
func WriteCSV(w io.Writer, r io.Reader, comma rune) error {
	dec, _ := decode(r)
	return writeCSV(w, dec, comma)
}

func writeCSV(w io.Writer, r io.Reader, comma rune) error {
	if comma == 0 {
		comma = ','
	}
	t := newTail(r)
	cr := csv.NewReader(t)
	cr.Comma = comma
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	bw := bufio.NewWriterSize(w, 64<<10)
	var header []string
	first, rows := true, 0
	var line strings.Builder
	for {
		start := cr.InputOffset()
		t.mark(start)
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ctxErr(err) {
				return err
			}
			// Unparseable from here on: write the rest as it is.
			if _, err := io.Copy(bw, t.rest(start)); err != nil {
				return fmt.Errorf("csv write: %w", err)
			}
			break
		}
		if first {
			first = false
			if isHeader(rec) {
				header = make([]string, len(rec))
				for i, h := range rec {
					header[i] = cell(h)
				}
				continue
			}
		}
		rows++
		line.Reset()
		for i, v := range rec {
			v = cell(v)
			if v == "" {
				continue
			}
			if line.Len() > 0 {
				line.WriteByte('\t')
			}
			if i < len(header) && header[i] != "" {
				line.WriteString(header[i])
				line.WriteString(": ")
			}
			line.WriteString(v)
		}
		if line.Len() > 0 {
			line.WriteByte('\n')
			if _, err := bw.WriteString(line.String()); err != nil {
				return fmt.Errorf("csv write: %w", err)
			}
		}
	}
	if rows == 0 && len(header) > 0 {
		bw.WriteString(strings.Join(nonEmpty(header), "\t") + "\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("csv write: %w", err)
	}
	return nil
}

// IsHeader reports whether a table's first row is a header: at least two
// cells, all filled, distinct, and not numbers. The legacy Excel
// extractor shares the rule.
func IsHeader(rec []string) bool { return isHeader(rec) }

// Cell flattens a table cell to one line.
func Cell(s string) string { return cell(s) }

// NonEmpty returns the non-empty strings of ss.
func NonEmpty(ss []string) []string { return nonEmpty(ss) }

func isHeader(rec []string) bool {
	if len(rec) < 2 {
		return false
	}
	seen := make(map[string]bool, len(rec))
	for _, c := range rec {
		c = strings.TrimSpace(c)
		if c == "" || seen[c] || len(c) > 200 {
			return false
		}
		if _, err := strconv.ParseFloat(strings.TrimSuffix(c, "%"), 64); err == nil {
			return false
		}
		seen[c] = true
	}
	return true
}

// cell flattens a cell to one line.
func cell(s string) string {
	if strings.ContainsAny(s, "\r\n\t") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return strings.TrimSpace(s)
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
