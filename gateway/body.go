package gateway

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// checkBody reads the request body (bounded by the edge's MaxBytesReader), refuses it unless it
// is exactly one JSON value of the route's body type sent as application/json, and puts it back
// for the generated handler. tooLarge reports a body over the limit.
func (rt *route) checkBody(r *http.Request) (tooLarge bool, err error) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return false, nil
	}
	if r.ContentLength > 0 {
		// Refuse a wrong type before reading what may be a large body.
		if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
			return false, err
		}
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return true, err
		}
		return false, apierror.Field("body", "could not be read")
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	if len(bytes.TrimSpace(data)) == 0 {
		return false, nil
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return false, err
	}
	if rt.body == "" {
		return false, apierror.Field("body", "this method takes no request body")
	}
	return false, rt.decodeBody(data)
}

// checkContentType accepts application/json with, at most, a UTF-8 charset.
func checkContentType(ct string) error {
	const want = `must be "application/json" for a request with a body`
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return apierror.Field("Content-Type", want)
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return apierror.Field("Content-Type", want+`, with no parameter but charset=utf-8`)
		}
	}
	return nil
}

// decodeBody decodes data strictly as the route's body: one JSON value and nothing after it, no
// duplicate or unknown fields, values of the fields' types and no NUL in strings. An error is
// INVALID_ARGUMENT naming the field by its path in the request message, as the services name the
// fields they refuse ("organization.display_name", "items[2]").
func (rt *route) decodeBody(data []byte) error {
	root, prefix := rt.bodyRoot()
	if p := scanJSON(data); p != nil {
		return apierror.Field(fieldPath(root, prefix, p.path), p.description)
	}
	wrapped := data
	if rt.body != "*" {
		// Decoding {"<body field>": body} into the request names fields from the request down.
		fd := rt.input.Fields().ByName(protoreflect.Name(rt.body))
		wrapped = slices.Concat([]byte(`{"`+fd.JSONName()+`":`), data, []byte("}"))
	}
	msg := dynamicpb.NewMessage(rt.input)
	if err := (protojson.UnmarshalOptions{}).Unmarshal(wrapped, msg); err != nil {
		path, desc := locate(rt.input, wrapped, "")
		if path == "" {
			path, desc = orBody(prefix), "is not valid for this method"
		}
		return apierror.Field(path, desc)
	}
	if path := findNUL(msg, ""); path != "" {
		return apierror.Field(path, "must not contain NUL characters")
	}
	return nil
}

// bodyRoot is the message the body decodes into and the field path of the body in the request.
func (rt *route) bodyRoot() (protoreflect.MessageDescriptor, string) {
	if rt.body == "*" {
		return rt.input, ""
	}
	fd := rt.input.Fields().ByName(protoreflect.Name(rt.body))
	if fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() {
		return fd.Message(), rt.body
	}
	return nil, rt.body
}

func orBody(path string) string {
	if path == "" {
		return "body" // the whole request is the body and no field was reached
	}
	return path
}
