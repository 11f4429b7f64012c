package hsds

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/socialrx/socialrx/gateway/httperror"
	"github.com/socialrx/socialrx/services/platform/apierror"
)

// writeError writes err as the gateway's AIP-193 body, logging what the client is not told.
func writeError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	if ctxErr := apierror.FromContext(r.Context()); ctxErr != nil {
		err = ctxErr
	}
	st := httperror.Status(err)
	if st.Code() == codes.Internal || st.Code() == codes.Unknown {
		logger.ErrorContext(r.Context(), "hsds request failed", "path", r.URL.Path, "error", err)
	}
	httperror.WriteStatus(w, st)
}

func writeJSON(w http.ResponseWriter, logger *slog.Logger, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		logger.Error("hsds encode response", "error", err)
		httperror.Write(w, apierror.Internal())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}
