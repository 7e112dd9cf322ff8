package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Snippets of the hits of a page are made in Go from the text of each
// hit's best chunk, which ranking has already found: one query fetches the
// chunks, then a tokenizer that splits and folds like FTS5's unicode61
// (remove_diacritics 2) finds the query's phrases. FTS5's snippet() needs a
// MATCH per hit instead, which costs a doclist seek per term per hit and,
// for prefix queries, merging every term of the prefix over the whole
// index for each hit (tens of milliseconds a page on the medium corpus).
// Hits whose phrases the tokenizer cannot find fall back to snippet().

const snippetTokens = 24

// snipPhrase is one quoted phrase of an FTS5 expression, folded; prefix
// means its last token is a prefix ("inform" *).
type snipPhrase struct {
	toks   []string
	prefix bool
}

// ftsPhrases returns the phrases of an FTS5 expression as trove compiles
// them: quoted strings ("" inside for a quote), each optionally followed
// by " *"; operators and parentheses between them are ignored.
func ftsPhrases(expr string) []snipPhrase {
	var out []snipPhrase
	for i := 0; i < len(expr); i++ {
		if expr[i] != '"' {
			continue
		}
		var b strings.Builder
		j := i + 1
		for ; j < len(expr); j++ {
			if expr[j] == '"' {
				if j+1 < len(expr) && expr[j+1] == '"' {
					b.WriteByte('"')
					j++
					continue
				}
				break
			}
			b.WriteByte(expr[j])
		}
		ph := snipPhrase{}
		for _, t := range snipTokens(b.String()) {
			ph.toks = append(ph.toks, t.norm)
		}
		k := j + 1
		for k < len(expr) && expr[k] == ' ' {
			k++
		}
		if k < len(expr) && expr[k] == '*' {
			ph.prefix = true
		}
		if len(ph.toks) > 0 {
			out = append(out, ph)
		}
		i = j
	}
	return out
}

type snipTok struct {
	start, end int // byte offsets in the text
	norm       string
}

// isTokenRune reports whether r is part of a token for unicode61: letters,
// numbers and private-use characters (its default categories "L* N* Co"),
// plus combining marks, which fold away with the diacritics.
func isTokenRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Mn, r)
}

// snipTokens splits text into folded tokens with their offsets.
func snipTokens(text string) []snipTok {
	var out []snipTok
	start := -1
	ascii := true
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		var norm string
		if ascii {
			norm = asciiLower(w)
		} else {
			norm = fold(w)
		}
		out = append(out, snipTok{start, end, norm})
		start, ascii = -1, true
	}
	for i, r := range text {
		if isTokenRune(r) {
			if start < 0 {
				start = i
			}
			if r >= utf8.RuneSelf {
				ascii = false
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	return out
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

type snipMatch struct {
	first, last int // token indexes, inclusive
	phrase      int
}

// findPhrases lists every occurrence of the phrases in toks, in order.
func findPhrases(toks []snipTok, phrases []snipPhrase) []snipMatch {
	var out []snipMatch
	for i := range toks {
		for p, ph := range phrases {
			n := len(ph.toks)
			if i+n > len(toks) {
				continue
			}
			ok := true
			for j, want := range ph.toks {
				got := toks[i+j].norm
				if j == n-1 && ph.prefix {
					ok = strings.HasPrefix(got, want)
				} else {
					ok = got == want
				}
				if !ok {
					break
				}
			}
			if ok {
				out = append(out, snipMatch{i, i + n - 1, p})
			}
		}
	}
	return out
}

// makeSnippet returns a window of about snippetTokens tokens of text around
// the densest group of matches (most distinct phrases, then most matches),
// with matches between "\x02" and "\x03" and "…" where text was cut, and
// the byte offset where the window starts. ok is false when no phrase
// occurs in text.
func makeSnippet(text string, phrases []snipPhrase) (snip string, at int, ok bool) {
	toks := snipTokens(text)
	ms := findPhrases(toks, phrases)
	if len(ms) == 0 {
		return "", 0, false
	}
	// Slide a window over the matches (sorted by first token): for each
	// match, the window starting a little before it, scored by distinct
	// phrases, then matches, in it. Linear in the number of matches, so
	// a chunk made of one word repeated costs no more than any other.
	bestStart, bestScore := 0, -1
	inWin := make([]int, len(phrases))
	distinct, lo, hi := 0, 0, 0 // ms[lo:hi] start inside the window
	for _, m := range ms {
		start := m.first - snippetTokens/4
		if start+snippetTokens > len(toks) {
			start = len(toks) - snippetTokens
		}
		start = max(start, 0)
		end := start + snippetTokens
		for hi < len(ms) && ms[hi].first < end {
			if inWin[ms[hi].phrase] == 0 {
				distinct++
			}
			inWin[ms[hi].phrase]++
			hi++
		}
		for lo < hi && ms[lo].first < start {
			inWin[ms[lo].phrase]--
			if inWin[ms[lo].phrase] == 0 {
				distinct--
			}
			lo++
		}
		if score := 1000*distinct + (hi - lo); score > bestScore {
			bestStart, bestScore = start, score
		}
	}
	end := min(bestStart+snippetTokens, len(toks))
	var b strings.Builder
	if bestStart > 0 {
		b.WriteString("…")
	}
	from := toks[bestStart].start
	pos := from
	for _, m := range ms {
		if m.first < bestStart || m.last >= end || toks[m.first].start < pos {
			continue
		}
		b.WriteString(text[pos:toks[m.first].start])
		b.WriteByte('\x02')
		b.WriteString(text[toks[m.first].start:toks[m.last].end])
		b.WriteByte('\x03')
		pos = toks[m.last].end
	}
	b.WriteString(text[pos:toks[end-1].end])
	if end < len(toks) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String()), from, true
}

// chunkText is a chunk's columns and its first page, for snippets.
type chunkText struct {
	meta, body string
	page       sql.NullInt64
}

// chunkTexts fetches chunks by rowid.
func (d *DB) chunkTexts(ctx context.Context, rowids []int64) (map[int64]chunkText, error) {
	out := make(map[int64]chunkText, len(rowids))
	if len(rowids) == 0 {
		return out, nil
	}
	in := make([]string, len(rowids))
	for i, r := range rowids {
		in[i] = strconv.FormatInt(r, 10)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT f.rowid, f.meta, f.body, cp.page FROM fts f
		LEFT JOIN chunk_pages cp ON cp.rowid = f.rowid WHERE f.rowid IN (`+strings.Join(in, ",")+`)`)
	if err != nil {
		return nil, fmt.Errorf("snippets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r int64
		var meta, body sql.NullString
		var c chunkText
		if err := rows.Scan(&r, &meta, &body, &c.page); err != nil {
			return nil, fmt.Errorf("snippets: %w", err)
		}
		c.meta, c.body = meta.String, body.String
		out[r] = c
	}
	return out, rows.Err()
}
