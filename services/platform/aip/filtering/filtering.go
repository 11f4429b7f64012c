// Package filtering implements the subset of AIP-160 filters that socialrx List methods accept.
// A filter is parsed once per request against the fields the method declares filterable, so
// unknown fields and type errors are reported as INVALID_ARGUMENT before any data is read, and is
// then evaluated in Go over in-memory records.
//
// Supported: comparisons `field OP value` with OP one of = != < <= > >= and ":" (has); AND,
// implicit AND by whitespace, OR (binding tighter than AND, as AIP-160 specifies), NOT or a
// leading "-", and parentheses. Values are double-quoted strings (escapes \" \\ and \*), bare
// words, integers and true/false. Function calls, field traversal into messages and the global
// text restriction of AIP-160 are not supported.
package filtering

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// Kind is the type of a filterable field, which decides the operators and literals it accepts.
type Kind int

// The kinds of field a filter can compare.
const (
	// String compares exactly (= and !=, with a trailing * for a prefix), lexically (< <= > >=)
	// or as a case-insensitive substring (:).
	String Kind = iota + 1
	// Bool accepts = and != against true or false.
	Bool
	// Int accepts the six comparison operators against an integer.
	Int
	// Enum accepts = and != against one of Field.Values.
	Enum
	// Timestamp accepts the six comparison operators against an RFC 3339 time.
	Timestamp
	// StringList accepts : (and = as a synonym): the list contains the value.
	StringList
)

// Field declares one filterable field. For Enum, Values lists the allowed names (e.g. "ACTIVE",
// "INACTIVE"); a literal matches them case-insensitively. The caller may also list long forms
// ("SERVICE_STATUS_ACTIVE"): a name and the same name behind a prefix ending in "_" are treated
// as the same value, both in the filter and in the records, so no short name may be another's
// suffix after a "_" (as CLOSED is of TEMPORARILY_CLOSED).
type Field struct {
	Kind   Kind
	Values []string
}

// Schema maps the filterable field names of a method to their declarations.
type Schema map[string]Field

// Record gives a field's value for one item: a string for String and Enum (a fmt.Stringer, such
// as a generated enum, also works), a bool, an int64 (other integer types also work), a
// time.Time (or anything with AsTime, such as a timestamppb.Timestamp), a []string for
// StringList. ok=false means the field is unset or absent; a value of the wrong type counts as
// absent.
type Record func(field string) (value any, ok bool)

// Filter is a parsed filter, safe for concurrent use.
type Filter struct {
	root node // nil matches everything
}

const (
	// maxFilterLen matches the max_len of filter in the API protos.
	maxFilterLen = 1024
	// maxDepth bounds the parser's recursion; real filters nest two or three levels.
	maxDepth = 32
)

// Parse parses filter against schema; "" (or only whitespace) gives a filter that matches
// everything. Errors are INVALID_ARGUMENT naming the field "filter" with reason INVALID_FILTER;
// their message names the problem and where it is, as a 0-based byte position. A schema field
// of undefined Kind is a programming error and gives a plain error.
func Parse(filter string, schema Schema) (*Filter, error) {
	if len(filter) > maxFilterLen {
		return nil, invalid("longer than %d bytes", maxFilterLen)
	}
	if !utf8.ValidString(filter) {
		return nil, invalid("not valid UTF-8")
	}
	p := &parser{src: filter, schema: schema}
	p.skipSpace()
	if p.eof() {
		return &Filter{}, nil
	}
	root, err := p.expression()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		// expression stops only at the end or at a ")" it did not open.
		return nil, invalid(`unexpected ")" at position %d`, p.pos)
	}
	return &Filter{root: root}, nil
}

// Match reports whether r passes the filter. A nil Filter matches everything.
func (f *Filter) Match(r Record) bool {
	if f == nil || f.root == nil {
		return true
	}
	if r == nil {
		r = func(string) (any, bool) { return nil, false }
	}
	return f.root.match(r)
}

// String returns a canonical form of the filter, which parses back to the same filter (if not
// made longer than 1024 bytes): explicit AND, parentheses only where needed (remember that OR
// binds tighter than AND), quoted strings, declared enum spellings.
func (f *Filter) String() string {
	if f == nil || f.root == nil {
		return ""
	}
	var b strings.Builder
	f.root.format(&b)
	return b.String()
}

// invalid returns the INVALID_ARGUMENT error of a bad filter; apierror prefixes "filter: ".
func invalid(format string, args ...any) error {
	return apierror.InvalidArgument(apierror.ReasonInvalidFilter, apierror.FieldViolation{
		Field:       "filter",
		Description: fmt.Sprintf(format, args...),
	})
}

func kindName(k Kind) string {
	switch k {
	case String:
		return "string"
	case Bool:
		return "bool"
	case Int:
		return "integer"
	case Enum:
		return "enum"
	case Timestamp:
		return "timestamp"
	case StringList:
		return "string list"
	}
	return fmt.Sprintf("kind %d", int(k))
}

// Parsing. The grammar, after AIP-160:
//
//	expression  = sequence { "AND" sequence }
//	sequence    = factor { factor }                 (implicit AND)
//	factor      = term { "OR" term }
//	term        = [ "NOT" | "-" ] simple
//	simple      = "(" expression ")" | restriction
//	restriction = field operator value

type parser struct {
	src    string
	pos    int
	schema Schema
	depth  int
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

// peek returns the next byte, or 0 at the end.
func (p *parser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.src[p.pos]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *parser) skipSpace() {
	for !p.eof() && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

// atKeyword reports whether kw starts at the current position as a whole word, so that a field
// such as ANDROID or a value such as ORANGE is not mistaken for it.
func (p *parser) atKeyword(kw string) bool {
	if !strings.HasPrefix(p.src[p.pos:], kw) {
		return false
	}
	end := p.pos + len(kw)
	if end == len(p.src) {
		return true
	}
	c := p.src[end]
	return isSpace(c) || c == '(' || c == ')'
}

// keywordAt returns the keyword at the current position, or "".
func (p *parser) keywordAt() string {
	for _, kw := range []string{"AND", "OR", "NOT"} {
		if p.atKeyword(kw) {
			return kw
		}
	}
	return ""
}

// atEnd reports whether the current expression ends here.
func (p *parser) atEnd() bool { return p.eof() || p.peek() == ')' }

func (p *parser) expression() (node, error) {
	n, err := p.sequence()
	if err != nil {
		return nil, err
	}
	nodes := []node{n}
	for {
		p.skipSpace()
		if !p.atKeyword("AND") {
			break
		}
		at := p.pos
		p.pos += len("AND")
		p.skipSpace()
		if p.atEnd() {
			return nil, invalid(`expected an expression after "AND" at position %d`, at)
		}
		if n, err = p.sequence(); err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return newAnd(nodes), nil
}

func (p *parser) sequence() (node, error) {
	n, err := p.factor()
	if err != nil {
		return nil, err
	}
	nodes := []node{n}
	for {
		p.skipSpace()
		if p.atEnd() || p.atKeyword("AND") {
			break
		}
		if n, err = p.factor(); err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return newAnd(nodes), nil
}

func (p *parser) factor() (node, error) {
	n, err := p.term()
	if err != nil {
		return nil, err
	}
	nodes := []node{n}
	for {
		p.skipSpace()
		if !p.atKeyword("OR") {
			break
		}
		at := p.pos
		p.pos += len("OR")
		p.skipSpace()
		if p.atEnd() {
			return nil, invalid(`expected an expression after "OR" at position %d`, at)
		}
		if n, err = p.term(); err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return newOr(nodes), nil
}

func (p *parser) term() (node, error) {
	p.skipSpace()
	at := p.pos
	negation := ""
	switch {
	case p.atKeyword("NOT"):
		negation = "NOT"
		p.pos += len("NOT")
		p.skipSpace()
	case p.peek() == '-':
		// "-" negates only when attached to what follows, as in -status = ACTIVE.
		negation = "-"
		p.pos++
	}
	if negation != "" && (p.atEnd() || isSpace(p.peek())) {
		return nil, invalid("expected an expression after %q at position %d", negation, at)
	}
	if kw := p.keywordAt(); kw != "" {
		return nil, invalid("unexpected %q at position %d", kw, p.pos)
	}
	n, err := p.simple()
	if err != nil {
		return nil, err
	}
	if negation != "" {
		n = notNode{n}
	}
	return n, nil
}

func (p *parser) simple() (node, error) {
	if p.peek() != '(' {
		return p.restriction()
	}
	open := p.pos
	if p.depth >= maxDepth {
		return nil, invalid("nested more than %d levels deep at position %d", maxDepth, open)
	}
	p.depth++
	p.pos++
	p.skipSpace()
	if p.atEnd() {
		return nil, invalid(`expected an expression after "(" at position %d`, open)
	}
	n, err := p.expression()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.peek() != ')' {
		return nil, invalid(`missing ")" to close "(" at position %d`, open)
	}
	p.pos++
	p.depth--
	return n, nil
}

// ident scans a field name: letters, digits, "_" and ".", not starting with a digit or ".".
func (p *parser) ident() string {
	start := p.pos
	for !p.eof() {
		c := p.src[p.pos]
		letter := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (p.pos == start || c != '.' && (c < '0' || c > '9')) {
			break
		}
		p.pos++
	}
	return p.src[start:p.pos]
}

// operators is ordered so that two-byte operators are tried before their one-byte prefixes.
var operators = []string{"<=", ">=", "!=", "=", "<", ">", ":"}

func (p *parser) operator() string {
	for _, op := range operators {
		if strings.HasPrefix(p.src[p.pos:], op) {
			p.pos += len(op)
			return op
		}
	}
	return ""
}

func (p *parser) restriction() (node, error) {
	at := p.pos
	name := p.ident()
	if name == "" {
		if p.eof() {
			return nil, invalid("expected a field name at position %d", at)
		}
		r, _ := utf8.DecodeRuneInString(p.src[at:])
		return nil, invalid("expected a field name at position %d, found %q", at, r)
	}
	field, ok := p.schema[name]
	if !ok {
		return nil, invalid("unknown field %q", name)
	}
	p.skipSpace()
	opAt := p.pos
	op := p.operator()
	if op == "" {
		return nil, invalid("expected an operator after %q at position %d", name, opAt)
	}
	p.skipSpace()
	valueAt := p.pos
	lit, ok, err := p.value()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, invalid("expected a value after %q at position %d", op, opAt)
	}
	return newComparison(name, field, op, opAt, lit, valueAt)
}

// literal is a value as written: text is unescaped and keeps a trailing "*"; wildcard says that
// star was written bare, so it may mean a prefix match.
type literal struct {
	text     string
	wildcard bool
}

// bareStop lists the bytes that end a bare word besides white space.
const bareStop = `()"=!<>:`

// value scans a quoted string or a bare word; ok=false means there is none here.
func (p *parser) value() (lit literal, ok bool, err error) {
	if p.atEnd() || p.keywordAt() != "" {
		return literal{}, false, nil
	}
	if p.peek() == '"' {
		return p.quoted()
	}
	start := p.pos
	for !p.eof() && !isSpace(p.src[p.pos]) && !strings.ContainsRune(bareStop, rune(p.src[p.pos])) {
		p.pos++
	}
	text := p.src[start:p.pos]
	if text == "" {
		return literal{}, false, nil
	}
	return literal{text: text, wildcard: strings.HasSuffix(text, "*")}, true, nil
}

func (p *parser) quoted() (literal, bool, error) {
	start := p.pos
	p.pos++ // opening quote
	var b strings.Builder
	wildcard := false
	for !p.eof() {
		c := p.src[p.pos]
		switch c {
		case '"':
			p.pos++
			return literal{text: b.String(), wildcard: wildcard}, true, nil
		case '\\':
			if p.pos+1 >= len(p.src) {
				return literal{}, false, invalid("unterminated string starting at position %d", start)
			}
			e := p.src[p.pos+1]
			if e != '"' && e != '\\' && e != '*' {
				r, _ := utf8.DecodeRuneInString(p.src[p.pos+1:])
				return literal{}, false, invalid(`invalid escape "\%c" at position %d; only \" \\ and \* are allowed`, r, p.pos)
			}
			b.WriteByte(e)
			wildcard = false
			p.pos += 2
		default:
			b.WriteByte(c)
			wildcard = c == '*'
			p.pos++
		}
	}
	return literal{}, false, invalid("unterminated string starting at position %d", start)
}

// Comparisons.

// comparison is one restriction, its literal already converted to the field's kind.
type comparison struct {
	field string
	kind  Kind
	op    string
	str   string // String, Enum (the declared spelling), StringList
	// prefix makes = and != on a String compare str with the start of the value.
	prefix bool
	i      int64
	b      bool
	t      time.Time
}

// newComparison checks op and lit against the field's kind; opAt and at are their positions.
func newComparison(name string, field Field, op string, opAt int, lit literal, at int) (node, error) {
	c := &comparison{field: name, kind: field.Kind, op: op}
	unsupported := func(allowed string) error {
		return invalid("operator %q is not supported for %s field %q (use %s) at position %d",
			op, kindName(field.Kind), name, allowed, opAt)
	}
	switch field.Kind {
	case String:
		c.str = lit.text
		if lit.wildcard {
			switch op {
			case "=", "!=":
				c.prefix = true
				c.str = strings.TrimSuffix(lit.text, "*")
			case ":":
				// A substring match is already open-ended; "name:*" means name is set.
				c.str = strings.TrimSuffix(lit.text, "*")
			default:
				return nil, invalid(`a trailing "*" only works with =, != and ":" (write \* inside quotes for a literal star) at position %d`, at)
			}
		}
		if op == ":" {
			c.str = strings.ToLower(c.str)
		}
	case Bool:
		if op != "=" && op != "!=" {
			return nil, unsupported("= or !=")
		}
		switch lit.text {
		case "true":
			c.b = true
		case "false":
		default:
			return nil, invalid("field %q is a bool; expected true or false, got %q at position %d", name, lit.text, at)
		}
	case Int:
		if op == ":" {
			return nil, unsupported("=, !=, <, <=, > or >=")
		}
		i, err := strconv.ParseInt(lit.text, 10, 64)
		if err != nil {
			return nil, invalid("field %q is an integer; got %q at position %d", name, lit.text, at)
		}
		c.i = i
	case Enum:
		if op != "=" && op != "!=" {
			return nil, unsupported("= or !=")
		}
		found := false
		for _, v := range field.Values {
			if strings.EqualFold(v, lit.text) {
				c.str, found = v, true
				break
			}
		}
		if !found {
			return nil, invalid("invalid value %q for field %q at position %d; allowed values: %s",
				lit.text, name, at, strings.Join(field.Values, ", "))
		}
	case Timestamp:
		if op == ":" {
			return nil, unsupported("=, !=, <, <=, > or >=")
		}
		t, err := time.Parse(time.RFC3339Nano, lit.text)
		if err != nil {
			return nil, invalid(`field %q is a timestamp; expected an RFC 3339 time such as "2024-01-31T09:00:00Z", got %q at position %d`,
				name, lit.text, at)
		}
		c.t = t
	case StringList:
		if op != ":" && op != "=" {
			return nil, unsupported(`":" or =`)
		}
		// = is a synonym; keeping one operator makes the canonical form unique.
		c.op = ":"
		c.str = lit.text
	default:
		return nil, fmt.Errorf("filtering: schema declares field %q with unknown %s", name, kindName(field.Kind))
	}
	return c, nil
}

func (c *comparison) match(r Record) bool {
	v, ok := r(c.field)
	if !ok {
		return false
	}
	switch c.kind {
	case String:
		s, ok := asString(v)
		if !ok {
			return false
		}
		switch {
		case c.op == ":":
			return strings.Contains(strings.ToLower(s), c.str)
		case c.prefix:
			return strings.HasPrefix(s, c.str) == (c.op == "=")
		}
		return compared(c.op, strings.Compare(s, c.str))
	case Bool:
		b, ok := v.(bool)
		return ok && (b == c.b) == (c.op == "=")
	case Int:
		order, ok := compareInt(v, c.i)
		return ok && compared(c.op, order)
	case Enum:
		s, ok := asString(v)
		return ok && sameEnum(s, c.str) == (c.op == "=")
	case Timestamp:
		t, ok := asTime(v)
		return ok && compared(c.op, t.Compare(c.t))
	case StringList:
		list, ok := v.([]string)
		if !ok {
			return false
		}
		for _, s := range list {
			if s == c.str {
				return true
			}
		}
	}
	return false
}

// compared applies op to the result of comparing a record's value with the literal.
func compared(op string, order int) bool {
	switch op {
	case "=":
		return order == 0
	case "!=":
		return order != 0
	case "<":
		return order < 0
	case "<=":
		return order <= 0
	case ">":
		return order > 0
	case ">=":
		return order >= 0
	}
	return false
}

func asString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case fmt.Stringer:
		return s.String(), true
	}
	return "", false
}

// compareInt compares an integer of any Go type with lit, without overflow.
func compareInt(v any, lit int64) (int, bool) {
	var i int64
	switch n := v.(type) {
	case int64:
		i = n
	case int:
		i = int64(n)
	case int32:
		i = int64(n)
	case int16:
		i = int64(n)
	case int8:
		i = int64(n)
	case uint32:
		i = int64(n)
	case uint16:
		i = int64(n)
	case uint8:
		i = int64(n)
	case uint:
		return compareUint(uint64(n), lit), true
	case uint64:
		return compareUint(n, lit), true
	default:
		return 0, false
	}
	return cmp.Compare(i, lit), true
}

func compareUint(u uint64, lit int64) int {
	if u > math.MaxInt64 {
		return 1
	}
	return cmp.Compare(int64(u), lit)
}

func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case interface {
		AsTime() time.Time
		IsValid() bool
	}:
		// timestamppb.Timestamp: a nil or out-of-range one counts as absent.
		return t.AsTime(), t.IsValid()
	}
	return time.Time{}, false
}

// sameEnum compares enum names case-insensitively, and a long form (SERVICE_STATUS_ACTIVE) as
// equal to its short form (ACTIVE).
func sameEnum(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	if a == "" || b == "" {
		return false
	}
	if len(a) < len(b) {
		a, b = b, a
	}
	n := len(a) - len(b)
	// Equal lengths that are not equal-fold cannot be a long and a short form of one name.
	return n > 0 && a[n-1] == '_' && strings.EqualFold(a[n:], b)
}

// The expression tree.

type node interface {
	match(Record) bool
	format(*strings.Builder)
}

type andNode []node

type orNode []node

type notNode struct{ n node }

// newAnd joins nodes, flattening nested ANDs so that the canonical form does not depend on how
// the input was parenthesised.
func newAnd(nodes []node) node {
	if len(nodes) == 1 {
		return nodes[0]
	}
	var flat andNode
	for _, n := range nodes {
		if a, ok := n.(andNode); ok {
			flat = append(flat, a...)
		} else {
			flat = append(flat, n)
		}
	}
	return flat
}

func newOr(nodes []node) node {
	if len(nodes) == 1 {
		return nodes[0]
	}
	var flat orNode
	for _, n := range nodes {
		if o, ok := n.(orNode); ok {
			flat = append(flat, o...)
		} else {
			flat = append(flat, n)
		}
	}
	return flat
}

func (a andNode) match(r Record) bool {
	for _, n := range a {
		if !n.match(r) {
			return false
		}
	}
	return true
}

func (o orNode) match(r Record) bool {
	for _, n := range o {
		if n.match(r) {
			return true
		}
	}
	return false
}

func (n notNode) match(r Record) bool { return !n.n.match(r) }

func (a andNode) format(b *strings.Builder) {
	for i, n := range a {
		if i > 0 {
			b.WriteString(" AND ")
		}
		// OR binds tighter, so an OR needs no parentheses here. Adding them for readers would
		// make the canonical form of a filter nested 32 deep too deep to parse again.
		n.format(b)
	}
}

func (o orNode) format(b *strings.Builder) {
	for i, n := range o {
		if i > 0 {
			b.WriteString(" OR ")
		}
		_, isAnd := n.(andNode)
		formatGrouped(b, n, isAnd)
	}
}

func (n notNode) format(b *strings.Builder) {
	b.WriteString("NOT ")
	_, simple := n.n.(*comparison)
	formatGrouped(b, n.n, !simple)
}

func formatGrouped(b *strings.Builder, n node, group bool) {
	if group {
		b.WriteByte('(')
	}
	n.format(b)
	if group {
		b.WriteByte(')')
	}
}

func (c *comparison) format(b *strings.Builder) {
	b.WriteString(c.field)
	if c.op == ":" {
		b.WriteString(":")
	} else {
		b.WriteString(" " + c.op + " ")
	}
	switch c.kind {
	case String:
		writeQuoted(b, c.str, c.prefix)
	case StringList:
		writeQuoted(b, c.str, false)
	case Bool:
		b.WriteString(strconv.FormatBool(c.b))
	case Int:
		b.WriteString(strconv.FormatInt(c.i, 10))
	case Enum:
		if isPlainWord(c.str) {
			b.WriteString(c.str)
		} else {
			writeQuoted(b, c.str, false)
		}
	case Timestamp:
		writeQuoted(b, c.t.Format(time.RFC3339Nano), false)
	}
}

// writeQuoted writes s as a quoted literal, escaping a trailing star so it is not read as a
// wildcard, then the wildcard itself if wanted.
func writeQuoted(b *strings.Builder, s string, wildcard bool) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' || c == '*' && i == len(s)-1 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	if wildcard {
		b.WriteByte('*')
	}
	b.WriteByte('"')
}

// isPlainWord reports whether s can be written as a bare word that reads back as itself.
func isPlainWord(s string) bool {
	if s == "" || s == "AND" || s == "OR" || s == "NOT" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
