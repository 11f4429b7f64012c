// Package filtering evaluates AIP-160 filters over in-memory records. A filter is parsed and
// type-checked once per request by go.einride.tech/aip/filtering against the fields the method
// declares filterable, so unknown fields and type errors are INVALID_ARGUMENT before any data is
// read; this package adds what that library leaves to its users: checking the values of enum,
// bool and timestamp fields, and evaluating the checked expression over records in Go.
//
// Supported: comparisons `field OP value` with OP one of = != < <= > >= and ":" (has); AND,
// implicit AND by whitespace, OR (binding tighter than AND, as AIP-160 specifies), NOT or a
// leading "-", and parentheses. Values are double-quoted strings (a trailing * is a prefix
// match), bare enum names, integers and true/false. Field traversal into messages, functions
// other than timestamp() and the global text restriction are refused.
package filtering

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"go.einride.tech/aip/filtering"
	expr "google.golang.org/genproto/googleapis/api/expr/v1alpha1"

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
	// Enum accepts = and != against one of Field.Values, written bare (status = ACTIVE).
	Enum
	// Timestamp accepts the six comparison operators against an RFC 3339 time.
	Timestamp
	// StringList accepts ":": the list contains the value.
	StringList
)

// Field declares one filterable field. For Enum, Values lists the allowed names (e.g. "ACTIVE",
// "INACTIVE"); a literal matches them case-insensitively, and a record's value may be the long
// form ("SERVICE_STATUS_ACTIVE") of a name. A value may be declared by only one enum field of a
// schema.
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

// maxFilterLen matches the max_len of filter in the API protos.
const maxFilterLen = 1024

// Parse parses filter against schema; "" (or only whitespace) gives a filter that matches
// everything. Errors are INVALID_ARGUMENT naming the field "filter" with reason INVALID_FILTER.
// A schema that cannot be declared (an unknown Kind, an enum value declared twice) is a
// programming error and gives a plain error.
func Parse(filter string, schema Schema) (*Filter, error) {
	if len(filter) > maxFilterLen {
		return nil, invalid("longer than %d bytes", maxFilterLen)
	}
	if !utf8.ValidString(filter) {
		return nil, invalid("not valid UTF-8")
	}
	if strings.TrimSpace(filter) == "" {
		return &Filter{}, nil
	}
	decls, err := declarationsOf(schema)
	if err != nil {
		return nil, err
	}
	checked, err := filtering.ParseFilterString(filter, decls.decls)
	if err != nil {
		return nil, invalid("%s", message(err))
	}
	root, err := decls.compile(checked.CheckedExpr.GetExpr())
	if err != nil {
		return nil, err
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

// message is one line saying what is wrong with a filter and where: einride's own errors span
// several lines (the filter, a caret), and its type errors nest "check call expr:" prefixes.
func message(err error) string {
	type located interface {
		Position() filtering.Position
		Message() string
	}
	var innermost located
	for e := err; e != nil; e = errors.Unwrap(e) {
		if l, ok := e.(located); ok {
			innermost = l
		}
	}
	if innermost != nil {
		return fmt.Sprintf("%s at line %d, column %d", innermost.Message(), innermost.Position().Line, innermost.Position().Column)
	}
	msg := err.Error()
	for _, noise := range []string{"check call expr: ", "check select expr: ", "check ident expr: "} {
		msg = strings.ReplaceAll(msg, noise, "")
	}
	return msg
}

// declarations are a schema's einride declarations, and which bare identifiers are enum values
// of which field.
type declarations struct {
	schema Schema
	decls  *filtering.Declarations
	values map[string]string // bare identifier -> its enum field
}

// A schema is a package-level map declared once per method; its declarations are built once.
var declared sync.Map // map pointer -> *declarations

func declarationsOf(schema Schema) (*declarations, error) {
	key := reflect.ValueOf(schema).Pointer()
	if d, ok := declared.Load(key); ok && d.(*declarations).sameSchema(schema) {
		return d.(*declarations), nil
	}
	d, err := declare(schema)
	if err != nil {
		return nil, err
	}
	declared.Store(key, d)
	return d, nil
}

// sameSchema guards the cache against a schema map built per call and reused at an address.
func (d *declarations) sameSchema(s Schema) bool {
	return len(d.schema) == len(s) && reflect.DeepEqual(d.schema, s)
}

func declare(schema Schema) (*declarations, error) {
	d := &declarations{schema: schema, values: map[string]string{}}
	opts := []filtering.DeclarationOption{
		filtering.DeclareStandardFunctions(),
		// Juxtaposition (`a = 1 b = 2`) is an AND, as AIP-160 has it.
		filtering.DeclareFunction(filtering.FunctionFuzzyAnd, filtering.NewFunctionOverload(
			filtering.FunctionFuzzyAnd+"_bool", filtering.TypeBool, filtering.TypeBool, filtering.TypeBool)),
		filtering.DeclareIdent("true", filtering.TypeBool),
		filtering.DeclareIdent("false", filtering.TypeBool),
	}
	for name, f := range schema {
		var t *expr.Type
		switch f.Kind {
		case String:
			t = filtering.TypeString
		case Bool:
			t = filtering.TypeBool
		case Int:
			t = filtering.TypeInt
		case Timestamp:
			t = filtering.TypeTimestamp
		case StringList:
			t = filtering.TypeList(filtering.TypeString)
		case Enum:
			// An enum compares as a string; its values are bare identifiers of the same type,
			// and compile checks they are compared only with their own field.
			t = filtering.TypeString
			for _, v := range f.Values {
				if other, dup := d.values[v]; dup {
					return nil, fmt.Errorf("filtering: enum value %s declared by both %q and %q", v, other, name)
				}
				d.values[v] = name
				opts = append(opts, filtering.DeclareIdent(v, filtering.TypeString))
			}
		default:
			return nil, fmt.Errorf("filtering: schema declares field %q with unknown %s", name, kindName(f.Kind))
		}
		opts = append(opts, filtering.DeclareIdent(name, t))
	}
	decls, err := filtering.NewDeclarations(opts...)
	if err != nil {
		return nil, fmt.Errorf("filtering: %w", err)
	}
	d.decls = decls
	return d, nil
}
