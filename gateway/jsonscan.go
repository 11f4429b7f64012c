package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// jsonStep is one step into a JSON document: an object key or an array index.
type jsonStep struct {
	key   string
	index int // -1 for a key
}

type jsonProblem struct {
	path        []jsonStep
	description string
}

// maxJSONDepth bounds how deep objects and arrays may nest in a body: far more than any request
// message needs, far less than what would cost the decoders dearly.
const maxJSONDepth = 64

// scanJSON checks that data is one syntactically valid JSON value with no duplicate keys, no
// nesting deeper than maxJSONDepth and nothing after it, and says where it is not (for a value
// nested too deep, the top-level field it is under).
func scanJSON(data []byte) *jsonProblem {
	type frame struct {
		object    bool
		expectKey bool
		key       string
		index     int
		seen      map[string]bool
	}
	var stack []*frame
	path := func() []jsonStep {
		var p []jsonStep
		for _, f := range stack {
			switch {
			case f.object && f.key != "":
				p = append(p, jsonStep{key: f.key, index: -1})
			case !f.object && f.index >= 0:
				p = append(p, jsonStep{index: f.index})
			}
		}
		return p
	}
	startValue := func() {
		if n := len(stack); n > 0 && !stack[n-1].object {
			stack[n-1].index++
		}
	}
	endValue := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	done := false
	for {
		tok, err := dec.Token()
		if err == io.EOF && done {
			return nil
		}
		if err != nil {
			if done {
				return &jsonProblem{description: "must be one JSON value with nothing after it"}
			}
			return &jsonProblem{path: path(), description: "is not valid JSON"}
		}
		if done {
			return &jsonProblem{description: "must be one JSON value with nothing after it"}
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if len(stack) == maxJSONDepth {
					top := path()
					return &jsonProblem{path: top[:min(len(top), 1)],
						description: "nests objects or arrays more than " + strconv.Itoa(maxJSONDepth) + " deep"}
				}
				startValue()
				stack = append(stack, &frame{object: d == '{', expectKey: d == '{', index: -1, seen: map[string]bool{}})
			case '}', ']':
				stack = stack[:len(stack)-1]
				endValue()
			}
		} else if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			f := stack[n-1]
			f.key, f.expectKey = tok.(string), false
			if f.seen[f.key] {
				return &jsonProblem{path: path(), description: "is given more than once"}
			}
			f.seen[f.key] = true
			continue
		} else {
			startValue()
			endValue()
		}
		done = len(stack) == 0
	}
}

// fieldPath renders JSON steps from the body message md as a field path of the request.
func fieldPath(md protoreflect.MessageDescriptor, prefix string, steps []jsonStep) string {
	path := prefix
	var mapField bool
	for _, s := range steps {
		switch {
		case s.index >= 0:
			path += "[" + strconv.Itoa(s.index) + "]"
		case mapField:
			path += "[" + strconv.Quote(printable(s.key)) + "]"
			mapField = false
		default:
			fd := fieldByName(md, s.key)
			name := printable(s.key)
			md = nil
			if fd != nil {
				name = string(fd.Name())
				mapField = fd.IsMap()
				if fd.Kind() == protoreflect.MessageKind && !fd.IsMap() {
					md = fd.Message()
				} else if fd.IsMap() && fd.MapValue().Kind() == protoreflect.MessageKind {
					md = fd.MapValue().Message()
				}
			}
			if path != "" {
				path += "."
			}
			path += name
		}
	}
	return orBody(path)
}
