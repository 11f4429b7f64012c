// Package pagination implements AIP-158 paging for List and Search methods: page size clamping
// and page tokens. A token is opaque to clients and bound to the request that produced it, so a
// client that changes the filter or query between pages gets INVALID_ARGUMENT instead of a
// listing stitched together from two different result sets.
//
// Each token ends with a checksum of all of it, so a token cut short or with a character changed
// is refused as malformed instead of being read as another cursor (the first page, say). Tokens
// are not signed: checksum and binding guard against mistakes, not against forgery. Handlers must
// treat a decoded Cursor as untrusted input (a client can still craft any After or Offset).
package pagination

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// Page sizes of AIP-158: a request for 0 gets the default, a request for more than the maximum
// gets the maximum.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

const (
	// tokenVersion is the first byte of every payload; bump it when the layout changes so old
	// tokens are rejected as malformed rather than misread.
	tokenVersion = 2
	// maxTokenLen matches the max_len of page_token in the API protos.
	maxTokenLen = 2048
	// checksumLen bytes of SHA-256 are plenty to tell requests apart; the binding is not a MAC.
	checksumLen = 16
	// headerLen is the version byte plus the checksum; the offset and After follow.
	headerLen = 1 + checksumLen
	// integrityLen bytes of SHA-256 over everything before them end the payload.
	integrityLen = 8
)

// integrityDomain keeps the integrity checksum apart from any other hash of the same bytes.
const integrityDomain = "socialrx page token\x00"

// unboundFields are the request fields a client may change between pages: AIP-158 allows a
// different page size on each call, the token itself differs on each call, and skip is applied
// relative to where the token points.
var unboundFields = []protoreflect.Name{"page_token", "page_size", "skip"}

// PageSize clamps a requested page size: 0 gives DefaultPageSize, more than MaxPageSize gives
// MaxPageSize, and a negative size is INVALID_ARGUMENT naming page_size.
func PageSize(requested int32) (int, error) {
	switch {
	case requested < 0:
		return 0, apierror.InvalidArgument(apierror.ReasonInvalidArgument, apierror.FieldViolation{
			Field:       "page_size",
			Description: fmt.Sprintf("must not be negative, got %d", requested),
		})
	case requested == 0:
		return DefaultPageSize, nil
	case requested > MaxPageSize:
		return MaxPageSize, nil
	}
	return int(requested), nil
}

// Cursor is where the next page starts. After is the sort key of the last item returned (keyset
// paging, e.g. a resource name); Offset is the number of items already returned (offset paging,
// for orderings by score or distance, where there is no stable key to resume after).
type Cursor struct {
	After  string
	Offset int
}

// Encode returns an opaque token for the next page of request. A negative Offset is a bug of the
// caller; it is encoded as given so that Decode rejects the token, rather than quietly restarting
// the listing from the first item.
func Encode(request proto.Message, c Cursor) string {
	// A request that cannot be marshalled gets a zero checksum; Decode refuses to bind such a
	// request to any token, so the token is merely useless.
	sum, _ := checksum(request)
	buf := make([]byte, 0, headerLen+binary.MaxVarintLen64+len(c.After))
	buf = append(buf, tokenVersion)
	buf = append(buf, sum[:]...)
	buf = binary.AppendVarint(buf, int64(c.Offset))
	// After runs to the integrity checksum, so it needs no length prefix.
	buf = append(buf, c.After...)
	buf = append(buf, integrity(buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

// Decode parses token for request. An empty token gives the zero Cursor (the first page). A token
// that is not one Encode made is INVALID_ARGUMENT "malformed"; a token made for a request whose
// fields other than page_token, page_size and skip differ is INVALID_ARGUMENT "does not match the
// request". Both name the field page_token and carry reason INVALID_PAGE_TOKEN.
func Decode(token string, request proto.Message) (Cursor, error) {
	if token == "" {
		return Cursor{}, nil
	}
	// The base64 decoder skips line breaks; refusing them keeps one token per cursor.
	if len(token) > maxTokenLen || strings.ContainsAny(token, "\r\n") {
		return Cursor{}, malformed()
	}
	// Strict rejects non-zero padding bits, so each payload has exactly one spelling.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return Cursor{}, malformed()
	}
	if len(raw) <= headerLen+integrityLen || raw[0] != tokenVersion {
		return Cursor{}, malformed()
	}
	raw, tag := raw[:len(raw)-integrityLen], raw[len(raw)-integrityLen:]
	if !bytes.Equal(tag, integrity(raw)) {
		return Cursor{}, malformed()
	}
	offset, n := binary.Varint(raw[headerLen:])
	// An overlong varint decodes fine but is never what Encode writes; rejecting it keeps one
	// token per cursor.
	if n <= 0 || n != len(binary.AppendVarint(nil, offset)) || offset < 0 || offset > math.MaxInt {
		return Cursor{}, malformed()
	}
	after := raw[headerLen+n:]
	// Sort keys are resource names or similar text; invalid UTF-8 can only come from a forged
	// token and would upset whatever query the handler builds from it.
	if !utf8.Valid(after) {
		return Cursor{}, malformed()
	}
	sum, err := checksum(request)
	if err != nil || !bytes.Equal(sum[:], raw[1:headerLen]) {
		return Cursor{}, mismatch()
	}
	return Cursor{After: string(after), Offset: int(offset)}, nil
}

// integrity is the checksum that ends a token: the first integrityLen bytes of the SHA-256 of
// payload.
func integrity(payload []byte) []byte {
	h := sha256.New()
	h.Write([]byte(integrityDomain))
	h.Write(payload)
	return h.Sum(nil)[:integrityLen]
}

// checksum identifies a request apart from its unbound fields: a hash of the message's full
// name (so a ListServices token is not accepted by SearchServices) and of its deterministic
// marshalling with the unbound fields cleared.
func checksum(request proto.Message) ([checksumLen]byte, error) {
	var sum [checksumLen]byte
	h := sha256.New()
	if request != nil {
		m := request.ProtoReflect()
		h.Write([]byte(m.Descriptor().FullName()))
		h.Write([]byte{0})
		// A nil message has no fields set, so it hashes like an empty one.
		if m.IsValid() {
			clone := proto.Clone(request).ProtoReflect()
			fields := clone.Descriptor().Fields()
			for _, name := range unboundFields {
				if fd := fields.ByName(name); fd != nil {
					clone.Clear(fd)
				}
			}
			b, err := proto.MarshalOptions{Deterministic: true}.Marshal(clone.Interface())
			if err != nil {
				return sum, fmt.Errorf("marshal %s: %w", m.Descriptor().FullName(), err)
			}
			h.Write(b)
		}
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

func malformed() error {
	return apierror.InvalidArgument(apierror.ReasonInvalidPageToken, apierror.FieldViolation{
		Field:       "page_token",
		Description: "malformed page token",
	})
}

func mismatch() error {
	return apierror.InvalidArgument(apierror.ReasonInvalidPageToken, apierror.FieldViolation{
		Field:       "page_token",
		Description: "page token does not match the request; send the same fields as the request that returned it, apart from page_size",
	})
}

// Offset returns the page of items (already in their final order) that token and pageSize
// select for request, after skipping skip items, and the token of the next page ("" on the last).
// It suits orderings that are computed per request (relevance, distance, priority).
func Offset[T any](request proto.Message, pageSize int32, token string, skip int, items []T) ([]T, string, error) {
	size, err := PageSize(pageSize)
	if err != nil {
		return nil, "", err
	}
	cursor, err := Decode(token, request)
	if err != nil {
		return nil, "", err
	}
	start := min(cursor.Offset+max(skip, 0), len(items))
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = Encode(request, Cursor{Offset: end})
	}
	return items[start:end], next, nil
}
