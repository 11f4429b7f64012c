package filtering

import (
	"strconv"
	"strings"

	"go.einride.tech/aip/filtering"
	expr "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
)

// literal is a value as written; wildcard says it ends in a "*", which may mean a prefix match.
type literal struct {
	text     string
	wildcard bool
}

// compile turns a checked expression into the tree Match evaluates.
func (d *declarations) compile(e *expr.Expr) (node, error) {
	call := e.GetCallExpr()
	if call == nil {
		// A bare value is AIP-160's global text restriction, which no socialrx list supports.
		return nil, invalid("expected a comparison such as field = value, got a bare %s", describe(e))
	}
	switch fn := call.GetFunction(); fn {
	case filtering.FunctionAnd, filtering.FunctionFuzzyAnd, filtering.FunctionOr:
		nodes := make([]node, 0, len(call.GetArgs()))
		for _, arg := range call.GetArgs() {
			n, err := d.compile(arg)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
		if fn == filtering.FunctionOr {
			return newOr(nodes), nil
		}
		return newAnd(nodes), nil
	case filtering.FunctionNot:
		if len(call.GetArgs()) != 1 {
			return nil, invalid("NOT takes one expression")
		}
		n, err := d.compile(call.GetArgs()[0])
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case filtering.FunctionEquals, filtering.FunctionNotEquals, filtering.FunctionLessThan,
		filtering.FunctionLessEquals, filtering.FunctionGreaterThan, filtering.FunctionGreaterEquals,
		filtering.FunctionHas:
		return d.comparison(fn, call.GetArgs())
	default:
		return nil, invalid("function %s is not supported here", fn)
	}
}

// comparison compiles `field OP value`.
func (d *declarations) comparison(op string, args []*expr.Expr) (node, error) {
	if len(args) != 2 {
		return nil, invalid("operator %s takes a field and a value", op)
	}
	name := args[0].GetIdentExpr().GetName()
	field, ok := d.schema[name]
	if !ok || args[0].GetIdentExpr() == nil {
		return nil, invalid("the left side of %s must be a filterable field, got %s", op, describe(args[0]))
	}
	lit, err := d.literal(name, field, args[1])
	if err != nil {
		return nil, err
	}
	return newComparison(name, field, op, lit)
}

// literal reads the value side of a comparison with field.
func (d *declarations) literal(name string, field Field, e *expr.Expr) (literal, error) {
	switch {
	case e.GetConstExpr() != nil:
		c := e.GetConstExpr()
		switch v := c.GetConstantKind().(type) {
		case *expr.Constant_StringValue:
			return literal{text: v.StringValue, wildcard: strings.HasSuffix(v.StringValue, "*")}, nil
		case *expr.Constant_Int64Value:
			return literal{text: strconv.FormatInt(v.Int64Value, 10)}, nil
		case *expr.Constant_BoolValue:
			return literal{text: strconv.FormatBool(v.BoolValue)}, nil
		case *expr.Constant_DoubleValue:
			return literal{text: strconv.FormatFloat(v.DoubleValue, 'g', -1, 64)}, nil
		}
	case e.GetIdentExpr() != nil:
		ident := e.GetIdentExpr().GetName()
		if ident == "true" || ident == "false" {
			return literal{text: ident}, nil
		}
		if owner, ok := d.values[ident]; ok {
			if owner != name {
				return literal{}, invalid("%s is a value of %q, not of %q", ident, owner, name)
			}
			return literal{text: ident}, nil
		}
		return literal{}, invalid("compare %q with a value, not with the field %q", name, ident)
	case e.GetCallExpr().GetFunction() == filtering.FunctionTimestamp:
		if args := e.GetCallExpr().GetArgs(); len(args) == 1 && args[0].GetConstExpr() != nil {
			return literal{text: args[0].GetConstExpr().GetStringValue()}, nil
		}
	}
	return literal{}, invalid("unsupported value for %q: %s", name, describe(e))
}

// describe names an expression's shape for an error message, without echoing long input.
func describe(e *expr.Expr) string {
	switch {
	case e.GetIdentExpr() != nil:
		return strconv.Quote(e.GetIdentExpr().GetName())
	case e.GetConstExpr() != nil:
		return "value"
	case e.GetSelectExpr() != nil:
		return "field traversal"
	case e.GetCallExpr() != nil:
		return "expression " + e.GetCallExpr().GetFunction()
	}
	return "expression"
}

// The expression tree.

type node interface {
	match(Record) bool
}

type andNode []node

type orNode []node

type notNode struct{ n node }

func newAnd(nodes []node) node {
	if len(nodes) == 1 {
		return nodes[0]
	}
	return andNode(nodes)
}

func newOr(nodes []node) node {
	if len(nodes) == 1 {
		return nodes[0]
	}
	return orNode(nodes)
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
