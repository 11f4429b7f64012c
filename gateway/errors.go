package gateway

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/socialrx/socialrx/gateway/httperror"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

// paramPattern finds the query parameter named in grpc-gateway's own decoding errors.
var paramPattern = regexp.MustCompile(`(?:parameter: |parsing field ")([A-Za-z0-9_.]+)`)

// writeError writes err as an AIP-193 JSON body with the HTTP status of its gRPC code. Errors
// raised by the gateway itself while decoding a request (a query parameter of the wrong type)
// carry no ErrorInfo; one naming the parameter is added.
func writeError(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, _ *http.Request, err error) {
	httpCode := 0
	var hse *runtime.HTTPStatusError
	if errors.As(err, &hse) {
		// The mux's own refusals (a malformed escape in the path) carry their HTTP status.
		httpCode, err = hse.HTTPStatus, hse.Err
		if _, ok := status.FromError(err); !ok && httpCode == http.StatusBadRequest {
			err = apierror.Field("path", "malformed escape sequence")
		}
	}
	st := httperror.Status(err)
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
	if httpCode == 0 {
		httperror.WriteStatus(w, st)
		return
	}
	httperror.WriteStatusCode(w, httpCode, st)
}

// ReasonMethodNotAllowed is the ErrorInfo reason of a path that exists without the method asked.
const ReasonMethodNotAllowed = "METHOD_NOT_ALLOWED"

// routingError answers a request that matches no REST method in the AIP-193 shape: 404 for an
// unknown path, 405 for a known path with another method.
func routingError(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	switch httpStatus {
	case http.StatusMethodNotAllowed:
		httperror.WriteStatusCode(w, httpStatus, status.Convert(apierror.New(codes.Unimplemented, ReasonMethodNotAllowed,
			"method "+printable(r.Method)+" is not allowed on this path", nil)))
	case http.StatusBadRequest:
		httperror.Write(w, apierror.Field("path", "must be an absolute path"))
	default:
		httperror.Write(w, apierror.New(codes.NotFound, apierror.ReasonNotFound, "no REST method at this path", nil))
	}
}
