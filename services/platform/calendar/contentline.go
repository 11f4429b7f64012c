package calendar

import (
	"io"
	"strings"
	"unicode/utf8"
)

// maxLineOctets is the RFC 5545 section 3.1 limit on a content line, excluding the CRLF.
const maxLineOctets = 75

// param is one property parameter, NAME=value.
type param struct {
	name, value string
}

// lineWriter writes folded content lines and keeps the first write error, so the component
// writers need not check every line.
type lineWriter struct {
	w   io.Writer
	err error
}

// prop writes one content line: name, params, and value, which the caller has already escaped
// for its value type.
func (lw *lineWriter) prop(name string, params []param, value string) {
	var b strings.Builder
	b.WriteString(name)
	for _, p := range params {
		b.WriteByte(';')
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(paramValue(p.value))
	}
	b.WriteByte(':')
	b.WriteString(value)
	lw.line(b.String())
}

// line writes s folded (RFC 5545 section 3.1): at most 75 octets a line, continuation lines
// starting with one space, and never splitting a UTF-8 sequence, so every physical line is
// valid UTF-8 on its own.
func (lw *lineWriter) line(s string) {
	if lw.err != nil {
		return
	}
	var b strings.Builder
	limit := maxLineOctets
	for len(s) > limit {
		// Back up to the start of the rune at the limit; the bound keeps progress on input
		// that is not UTF-8 (callers sanitise, this is a backstop).
		cut := limit
		for cut > limit-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if !utf8.RuneStart(s[cut]) {
			cut = limit
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLineOctets - 1 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	_, lw.err = io.WriteString(lw.w, b.String())
}

// escapeText encodes a TEXT value (RFC 5545 section 3.3.11): backslash, semicolon and comma are
// backslash-escaped, any line break becomes \n, and other control characters, which TEXT cannot
// carry, are dropped. Invalid UTF-8 becomes U+FFFD so folding can rely on rune boundaries.
func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			// Dropped: a control character would make the line unparseable.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// paramValue encodes a parameter value. Caret encoding (RFC 6868) carries the double quotes and
// line breaks that RFC 5545 cannot, and the result is quoted when it holds a character that
// would otherwise end the value.
func paramValue(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	v = strings.ReplaceAll(v, "\r\n", "\n")
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '^':
			b.WriteString("^^")
		case r == '"':
			b.WriteString("^'")
		case r == '\n' || r == '\r':
			b.WriteString("^n")
		case r < 0x20 && r != '\t' || r == 0x7f:
			// Dropped, as in TEXT values.
		default:
			b.WriteRune(r)
		}
	}
	v = b.String()
	if strings.ContainsAny(v, ";:,") {
		return `"` + v + `"`
	}
	return v
}
