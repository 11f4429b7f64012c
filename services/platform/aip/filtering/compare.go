package filtering

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

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

// newComparison checks op and lit against the field's kind.
func newComparison(name string, field Field, op string, lit literal) (node, error) {
	c := &comparison{field: name, kind: field.Kind, op: op}
	unsupported := func(allowed string) error {
		return invalid("operator %q is not supported for %s field %q (use %s)",
			op, kindName(field.Kind), name, allowed)
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
				return nil, invalid(`a trailing "*" only works with =, != and ":" (write \* inside quotes for a literal star)`)
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
			return nil, invalid("field %q is a bool; expected true or false, got %q", name, lit.text)
		}
	case Int:
		if op == ":" {
			return nil, unsupported("=, !=, <, <=, > or >=")
		}
		i, err := strconv.ParseInt(lit.text, 10, 64)
		if err != nil {
			return nil, invalid("field %q is an integer; got %q", name, lit.text)
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
			return nil, invalid("invalid value %q for field %q; allowed values: %s",
				lit.text, name, strings.Join(field.Values, ", "))
		}
	case Timestamp:
		if op == ":" {
			return nil, unsupported("=, !=, <, <=, > or >=")
		}
		t, err := time.Parse(time.RFC3339Nano, lit.text)
		if err != nil {
			return nil, invalid(`field %q is a timestamp; expected an RFC 3339 time such as "2024-01-31T09:00:00Z", got %q`,
				name, lit.text)
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
