package httperror

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/services/platform/apierror"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantCode   int
		wantStatus string
		wantMsg    string
		wantReason string
	}{
		{"bad parameter", apierror.Field("page", "must be a whole number from 1"),
			400, "INVALID_ARGUMENT", "page: must be a whole number from 1", "INVALID_ARGUMENT"},
		{"not found, wrapped", fmt.Errorf("get service: %w", apierror.NotFound("services/x")),
			404, "NOT_FOUND", "services/x not found", "NOT_FOUND"},
		{"unavailable", apierror.New(codes.Unavailable, apierror.ReasonUnavailable, "database unavailable", nil),
			503, "UNAVAILABLE", "database unavailable", "BACKEND_UNAVAILABLE"},
		{"failed precondition", apierror.FailedPrecondition("", "not now", nil),
			400, "FAILED_PRECONDITION", "not now", "FAILED_PRECONDITION"},
		{"bare gRPC status", status.Error(codes.PermissionDenied, "no"), 403, "PERMISSION_DENIED", "no", ""},
		{"deadline", fmt.Errorf("call: %w", context.DeadlineExceeded), 504, "DEADLINE_EXCEEDED", "deadline exceeded", "DEADLINE_EXCEEDED"},
		{"plain error hides its cause", fmt.Errorf("boom"), 500, "INTERNAL", "internal error", "INTERNAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			Write(rec, tt.err)
			var body struct {
				Error struct {
					Code    int    `json:"code"`
					Status  string `json:"status"`
					Message string `json:"message"`
					Details []struct {
						Type   string `json:"@type"`
						Reason string `json:"reason"`
						Domain string `json:"domain"`
					} `json:"details"`
				} `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			var reason string
			for _, d := range body.Error.Details {
				if d.Type == "type.googleapis.com/google.rpc.ErrorInfo" && d.Domain == apierror.Domain {
					reason = d.Reason
				}
			}
			e := body.Error
			if rec.Code != tt.wantCode || e.Code != tt.wantCode || e.Status != tt.wantStatus || e.Message != tt.wantMsg || reason != tt.wantReason {
				t.Errorf("got %d %s %q reason %q (body %s)", rec.Code, e.Status, e.Message, reason, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}
