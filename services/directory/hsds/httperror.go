package hsds

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// errorBody is the AIP-193 JSON error of the HTTP API, as the gateway writes it.
type errorBody struct {
	Error errorStatus `json:"error"`
}

type errorStatus struct {
	Code    int               `json:"code"`
	Status  string            `json:"status"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details,omitempty"`
}

// HTTPError turns an error into an HTTP status code and AIP-193 body. gRPC status errors keep
// their message and details; a context error becomes DEADLINE_EXCEEDED or CANCELLED; anything
// else is INTERNAL, without its cause (the caller logs it).
func HTTPError(err error) (int, any) {
	st := statusOf(err)
	httpCode := runtime.HTTPStatusFromCode(st.Code())
	body := errorBody{Error: errorStatus{
		Code:    httpCode,
		Status:  rpccode.Code(st.Code()).String(),
		Message: st.Message(),
	}}
	for _, d := range st.Proto().GetDetails() {
		// protojson writes an Any as {"@type": ..., fields...}, the shape the gateway uses.
		b, err := protojson.Marshal(d)
		if err != nil {
			continue
		}
		body.Error.Details = append(body.Error.Details, b)
	}
	return httpCode, body
}

func statusOf(err error) *status.Status {
	// The innermost status keeps the backend's message; status.FromError would prefix the
	// message with our wrapping.
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		if st := se.GRPCStatus(); st != nil {
			return st
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return status.New(codes.Canceled, "request cancelled")
	}
	st, _ := status.FromError(apierror.Internal())
	return st
}

// writeError writes err as JSON, logging what the client is not told.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	if ctxErr := apierror.FromContext(r.Context()); ctxErr != nil {
		err = ctxErr
	}
	code, body := HTTPError(err)
	if code >= http.StatusInternalServerError {
		logger.ErrorContext(r.Context(), "hsds request failed", "path", r.URL.Path, "error", err)
	}
	writeJSON(w, logger, code, body)
}

func writeJSON(w http.ResponseWriter, logger *slog.Logger, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		logger.Error("hsds encode response", "error", err)
		code = http.StatusInternalServerError
		b = []byte(`{"error":{"code":500,"status":"INTERNAL","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}
