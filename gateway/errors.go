package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// paramPattern finds the query parameter named in grpc-gateway's own decoding errors.
var paramPattern = regexp.MustCompile(`(?:parameter: |parsing field ")([A-Za-z0-9_.]+)`)

// writeError writes err as an AIP-193 JSON body with the HTTP status of its gRPC code. Errors
// raised by the gateway itself while decoding a request (malformed JSON, a query parameter of the
// wrong type) carry no ErrorInfo; one naming the body or parameter is added.
func writeError(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, err error) {
	st := status.Convert(err)
	if st.Code() == codes.InvalidArgument && apierror.ErrorInfo(err) == nil {
		field := "body"
		if m := paramPattern.FindStringSubmatch(st.Message()); m != nil {
			field = m[1]
		}
		st = status.Convert(apierror.Field(field, st.Message()))
	}
	if st.Code() == codes.Unavailable && apierror.ErrorInfo(st.Err()) == nil {
		st = status.Convert(apierror.New(codes.Unavailable, apierror.ReasonUnavailable, "backend unavailable; retry later", nil))
	}
	WriteStatus(w, st)
}

// WriteStatus writes a gRPC status as {"error": {code, message, status, details}}.
func WriteStatus(w http.ResponseWriter, st *status.Status) {
	code := runtime.HTTPStatusFromCode(st.Code())
	details := make([]json.RawMessage, 0, len(st.Proto().GetDetails()))
	for _, d := range st.Proto().GetDetails() {
		b, err := protojson.Marshal(d)
		if err == nil {
			details = append(details, b)
		}
	}
	body := map[string]any{"error": map[string]any{
		"code":    code,
		"message": st.Message(),
		"status":  codeName(st.Code()),
		"details": details,
	}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

// codeName is the canonical UPPER_SNAKE name of a code ("INVALID_ARGUMENT").
func codeName(c codes.Code) string {
	return code.Code_name[int32(c)]
}
