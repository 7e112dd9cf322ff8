package query

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what Parse accepts.
const (
	MaxLen   = 4096 // bytes in a query
	MaxDepth = 32   // nested groups and negations
	MaxTerms = 256  // terms, field filters and date filters
)

// Parse parses a query in trove's search language (docs/query.md). An empty
// query, or one holding only punctuation, parses to a nil Node and no error:
// it matches everything. Errors are *Error.
func Parse(q string) (Node, error) {
	if len(q) > MaxLen {
		return nil, &Error{Query: q, Pos: MaxLen, Msg: fmt.Sprintf("query longer than %d bytes", MaxLen)}
	}
	for i, r := range q {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(q[i:]); size == 1 {
				return nil, &Error{Query: q, Pos: i, Msg: "invalid UTF-8"}
			}
		}
	}
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{q: q, toks: toks}
	n, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tRParen {
		return nil, p.errorf(t.pos, "unmatched )")
	}
	return n, nil
}

type tokKind int

const (
	tEOF    tokKind = iota
	tWord           // a run of anything but spaces, parentheses and quotes
	tPhrase         // "…"; text is what is between the quotes
	tLParen         // (
	tRParen         // )
	tMinus          // - directly before a word, phrase or group
)

type token struct {
	kind     tokKind
	pos, end int // byte offsets in the query
	text     string
}

// isSep reports whether r separates tokens: spaces and control characters.
func isSep(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// lex splits q into tokens ending with tEOF. Its only error is an unclosed
// quote.
func lex(q string) ([]token, error) {
	var toks []token
	for i := 0; i < len(q); {
		r, size := utf8.DecodeRuneInString(q[i:])
		switch {
		case isSep(r):
			i += size
		case r == '(':
			toks = append(toks, token{kind: tLParen, pos: i, end: i + 1})
			i++
		case r == ')':
			toks = append(toks, token{kind: tRParen, pos: i, end: i + 1})
			i++
		case r == '"':
			j := strings.IndexByte(q[i+1:], '"')
			if j < 0 {
				return nil, &Error{Query: q, Pos: i, Msg: "unclosed quote"}
			}
			end := i + 1 + j + 1
			toks = append(toks, token{kind: tPhrase, pos: i, end: end, text: q[i+1 : end-1]})
			i = end
		case r == '-' && negates(q[i+1:]):
			toks = append(toks, token{kind: tMinus, pos: i, end: i + 1})
			i++
		default:
			j := i
			for j < len(q) {
				r, size := utf8.DecodeRuneInString(q[j:])
				if isSep(r) || r == '(' || r == ')' || r == '"' {
					break
				}
				j += size
			}
			toks = append(toks, token{kind: tWord, pos: i, end: j, text: q[i:j]})
			i = j
		}
	}
	return append(toks, token{kind: tEOF, pos: len(q), end: len(q)}), nil
}

// negates reports whether a '-' followed by rest negates what follows: it
// must be directly followed by something other than a space, a ')' or
// another '-' (so that "--" and a lone "-" are plain text).
func negates(rest string) bool {
	if rest == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return !isSep(r) && r != ')' && r != '-'
}

// The grammar, loosest binding first:
//
//	query   = and EOF
//	and     = or { ["AND"] or }
//	or      = unary { "OR" unary }
//	unary   = "NOT" unary | "-" primary | primary
//	primary = "(" and ")" | phrase | word
//
// Operands that hold only punctuation parse to nil and are dropped.
type parser struct {
	q      string
	toks   []token
	i      int
	depth  int // open groups and negations
	leaves int // Terms, Fields and DateRanges so far
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &Error{Query: p.q, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func isKeyword(t token, kw string) bool { return t.kind == tWord && t.text == kw }

// startsOperand reports whether t can begin an operand of AND, OR or NOT.
func startsOperand(t token) bool {
	switch t.kind {
	case tEOF, tRParen:
		return false
	case tWord:
		return t.text != "AND" && t.text != "OR"
	}
	return true
}

func (p *parser) parseAnd() (Node, error) {
	var nodes []Node
	operands := 0 // including dropped ones
	for {
		t := p.peek()
		switch {
		case t.kind == tEOF || t.kind == tRParen:
			return newAnd(nodes), nil
		case isKeyword(t, "AND"):
			p.next()
			if operands == 0 || !startsOperand(p.peek()) {
				return nil, p.errorf(t.pos, "AND needs a term on each side")
			}
			continue
		case isKeyword(t, "OR"):
			return nil, p.errorf(t.pos, "OR needs a term on each side")
		}
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		operands++
		nodes = append(nodes, n)
	}
}

func (p *parser) parseOr() (Node, error) {
	n, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	nodes := []Node{n}
	for isKeyword(p.peek(), "OR") {
		or := p.next()
		if !startsOperand(p.peek()) {
			return nil, p.errorf(or.pos, "OR needs a term on each side")
		}
		n, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return newOr(nodes), nil
}

func (p *parser) parseUnary() (Node, error) {
	t := p.peek()
	switch {
	case isKeyword(t, "NOT"):
		p.next()
		if !startsOperand(p.peek()) {
			return nil, p.errorf(t.pos, "NOT needs a term after it")
		}
		return p.negate(t, p.parseUnary)
	case t.kind == tMinus:
		p.next()
		return p.negate(t, func() (Node, error) { return p.parsePrimary(true) })
	}
	return p.parsePrimary(false)
}

// negate parses the operand of NOT or - (at t) and negates it. A negated
// group counts once towards MaxDepth.
func (p *parser) negate(t token, operand func() (Node, error)) (Node, error) {
	if p.peek().kind != tLParen {
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
	}
	n, err := operand()
	if err != nil || n == nil {
		return nil, err
	}
	return Not{Node: n}, nil
}

func (p *parser) enter(pos int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf(pos, "nested deeper than %d levels of parentheses and negations", MaxDepth)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// leaf counts one more Term, Field or DateRange, at pos.
func (p *parser) leaf(pos int) error {
	p.leaves++
	if p.leaves > MaxTerms {
		return p.errorf(pos, "more than %d terms", MaxTerms)
	}
	return nil
}

// parsePrimary parses a group, a phrase or a word. After a '-' (negated),
// AND, OR and NOT are plain words.
func (p *parser) parsePrimary(negated bool) (Node, error) {
	t := p.next()
	switch t.kind {
	case tLParen:
		if err := p.enter(t.pos); err != nil {
			return nil, err
		}
		defer p.leave()
		if p.peek().kind == tRParen {
			return nil, p.errorf(t.pos, "empty group ()")
		}
		n, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		if p.next().kind != tRParen {
			return nil, p.errorf(t.pos, "unclosed (")
		}
		return n, nil
	case tPhrase:
		return p.phrase(t)
	case tWord:
		if name, value, ok := splitField(t.text); ok {
			return p.field(t, name, value)
		}
		return p.term(t)
	}
	// Unreachable: callers check startsOperand, and the lexer only emits a
	// minus before an operand.
	return nil, p.errorf(t.pos, "expected a term")
}

func (p *parser) phrase(t token) (Node, error) {
	text := collapseSpace(t.text)
	if !hasWordChar(text) {
		return nil, nil
	}
	if err := p.leaf(t.pos); err != nil {
		return nil, err
	}
	return Term{Text: text, Phrase: true, CJK: hasCJK(text)}, nil
}

// term parses a bare word: word, word*, *sub*, *sub, word~, word~N.
func (p *parser) term(t token) (Node, error) {
	text := t.text
	fuzzy, tilde, digits := false, 0, ""
	if i := strings.LastIndexByte(text, '~'); i >= 0 && allDigits(text[i+1:]) {
		fuzzy, tilde, digits = true, t.pos+i, text[i+1:]
		text = strings.TrimRight(text[:i], "~")
	}
	rest := strings.TrimLeft(text, "*")
	leading := rest != text
	text = strings.TrimRight(rest, "*")
	trailing := text != rest
	if !hasWordChar(text) {
		return nil, nil // punctuation only
	}
	term := Term{Text: text, CJK: hasCJK(text)}
	switch {
	case fuzzy && (leading || trailing):
		return nil, p.errorf(t.pos, "a word cannot be both fuzzy (~) and a wildcard (*)")
	case fuzzy && digits == "":
		term.Fuzzy = defaultFuzzy(text)
	case fuzzy:
		n, err := strconv.Atoi(digits)
		if err != nil || n > 2 {
			return nil, p.errorf(tilde, "fuzzy distance %s: use ~, ~1 or ~2", digits)
		}
		term.Fuzzy = n
	case leading:
		if utf8.RuneCountInString(text) < 3 {
			return nil, p.errorf(t.pos, "substring search *%s* needs at least 3 characters", text)
		}
		term.Substring = true
	case trailing:
		term.Prefix = true
	}
	if err := p.leaf(t.pos); err != nil {
		return nil, err
	}
	return term, nil
}

// defaultFuzzy is the edit distance word~ allows for text: none for words
// of up to 3 characters, 1 for 4 to 7, 2 for 8 and more.
func defaultFuzzy(text string) int {
	switch n := utf8.RuneCountInString(text); {
	case n < 4:
		return 0
	case n < 8:
		return 1
	}
	return 2
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// hasWordChar reports whether s holds a letter or a digit: anything else is
// punctuation that no engine indexes.
func hasWordChar(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

// hasCJK reports whether s holds Chinese, Japanese or Korean characters.
func hasCJK(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo)
	}) >= 0
}

// collapseSpace trims s and turns each run of spaces and control characters
// into one space.
func collapseSpace(s string) string {
	return strings.Join(strings.FieldsFunc(s, isSep), " ")
}
