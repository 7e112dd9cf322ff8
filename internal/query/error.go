package query

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/trove-archive/trove/internal/archive"
)

// Error is a query the parser rejects. Its message is safe to show: it only
// repeats what the user typed.
type Error struct {
	Query string // the query as given
	Pos   int    // byte offset of the problem in Query, 0 <= Pos <= len(Query)
	Msg   string // what is wrong, e.g. "unclosed quote"
}

func (e *Error) Error() string { return fmt.Sprintf("query: %s at %d", e.Msg, e.Pos) }

// Unwrap presents the error as an archive.Error with code EInvalid, so the
// one place that maps errors to HTTP statuses and exit codes treats it as
// the user's mistake and shows its message.
func (e *Error) Unwrap() error { return archive.Errorf(archive.EInvalid, "%s", e.Error()) }

// caretWidth is the widest line Caret renders before cutting the query.
const caretWidth = 72

// Caret renders the query on one line (control characters shown as spaces),
// with a caret on the line below pointing at Pos. A query too wide for a
// line is cut around Pos, and the cuts marked with "…". Wide (CJK)
// characters count as two columns.
//
//	subject:"quarterly report
//	        ^
func (e *Error) Caret() string {
	type cell struct {
		r     rune
		width int
	}
	var cells []cell
	caret := -1 // index in cells of the first rune at or after Pos
	for i, r := range e.Query {
		if caret < 0 && i >= e.Pos {
			caret = len(cells)
		}
		if isSep(r) {
			r = ' '
		}
		cells = append(cells, cell{r, runeWidth(r)})
	}
	if caret < 0 {
		caret = len(cells)
	}
	// Widen a window [lo, hi) around the caret until it fills the line.
	lo, hi, width := caret, caret, 1 // the caret itself may sit past the end
	for grew := true; grew; {
		grew = false
		if lo > 0 && width+cells[lo-1].width <= caretWidth {
			lo--
			width += cells[lo].width
			grew = true
		}
		if hi < len(cells) && width+cells[hi].width <= caretWidth {
			width += cells[hi].width
			hi++
			grew = true
		}
	}
	var line strings.Builder
	col := 0
	if lo > 0 {
		line.WriteString("…")
		col++
	}
	for i := lo; i < hi; i++ {
		if i < caret {
			col += cells[i].width
		}
		line.WriteRune(cells[i].r)
	}
	if hi < len(cells) {
		line.WriteString("…")
	}
	return line.String() + "\n" + strings.Repeat(" ", col) + "^"
}

// runeWidth approximates the columns a terminal or a monospaced font gives r.
func runeWidth(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	case r >= 0x1100 && r <= 0x115F, // Hangul Jamo
		r >= 0x2E80 && r <= 0xA4CF && r != 0x303F, // CJK radicals … Yi
		r >= 0xAC00 && r <= 0xD7A3,                // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF,                // CJK compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F,                // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFF60,                // fullwidth forms
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x1F300 && r <= 0x1F64F, // pictographs, emoticons
		r >= 0x1F900 && r <= 0x1F9FF,
		r >= 0x20000 && r <= 0x3FFFD: // CJK extensions
		return 2
	}
	return 1
}
