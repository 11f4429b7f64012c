// Package httperror writes errors as AIP-193 JSON bodies, {"error": {code, message, status,
// details}}, with the HTTP status of their gRPC code. It is the one error writer of the gateway:
// the grpc-gateway routes, the edge checks in front of them and the HSDS API all answer through it.
package httperror

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

// Body is the JSON error body.
type Body struct {
	Error BodyStatus `json:"error"`
}

// BodyStatus is the "error" object of Body.
type BodyStatus struct {
	Code    int               `json:"code"`
	Message string            `json:"message"`
	Status  string            `json:"status"`
	Details []json.RawMessage `json:"details"`
}

// Status returns the status an error is answered with. The innermost gRPC status keeps the
// backend's message (status.FromError would prefix it with any wrapping); a context error
// becomes DEADLINE_EXCEEDED or CANCELLED; anything else is INTERNAL, without its cause.
func Status(err error) *status.Status {
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		if st := se.GRPCStatus(); st != nil {
			return st
		}
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return status.Convert(apierror.New(codes.DeadlineExceeded, apierror.ReasonDeadlineExceeded, "deadline exceeded", nil))
	case errors.Is(err, context.Canceled):
		return status.New(codes.Canceled, "request cancelled")
	}
	return status.Convert(apierror.Internal())
}

// Write writes err with the HTTP status of its code.
func Write(w http.ResponseWriter, err error) {
	WriteStatus(w, Status(err))
}

// WriteStatus writes st with the HTTP status of its code.
func WriteStatus(w http.ResponseWriter, st *status.Status) {
	WriteStatusCode(w, runtime.HTTPStatusFromCode(st.Code()), st)
}

// WriteStatusCode writes st with HTTP status httpCode, for the few answers whose HTTP status is
// more precise than their gRPC code's (413 for a body too large, 405 for a wrong method).
func WriteStatusCode(w http.ResponseWriter, httpCode int, st *status.Status) {
	details := make([]json.RawMessage, 0, len(st.Proto().GetDetails()))
	for _, d := range st.Proto().GetDetails() {
		// protojson writes an Any as {"@type": ..., fields...}.
		if b, err := protojson.Marshal(d); err == nil {
			details = append(details, b)
		}
	}
	body := Body{Error: BodyStatus{
		Code:    httpCode,
		Message: st.Message(),
		Status:  rpccode.Code(st.Code()).String(),
		Details: details,
	}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpCode)
	_ = json.NewEncoder(w).Encode(body)
}
