package fhir

import (
	"errors"
	"fmt"
	"net/http"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	c4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	d4 "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	oopb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/operation_outcome_go_proto"
)

// problem is a failed request as FHIR tells it: the HTTP status and one issue of an
// OperationOutcome, whose expression names the element at fault.
type problem struct {
	status     int
	code       c4.IssueTypeCode_Value
	expression string
	diagnostic string
}

func (p *problem) Error() string {
	return fmt.Sprintf("%d %s: %s", p.status, p.expression, p.diagnostic)
}

// invalid is a 400: what was sent is not valid FHIR, or not what the facade can take.
func invalid(expression, format string, args ...any) *problem {
	return &problem{http.StatusBadRequest, c4.IssueTypeCode_INVALID, expression, fmt.Sprintf(format, args...)}
}

// unsupported is a 400 for something valid in FHIR that the facade does not offer.
func unsupported(expression, format string, args ...any) *problem {
	return &problem{http.StatusBadRequest, c4.IssueTypeCode_NOT_SUPPORTED, expression, fmt.Sprintf(format, args...)}
}

// businessRule is a 422: valid FHIR that the referral's rules refuse.
func businessRule(expression, format string, args ...any) *problem {
	return &problem{http.StatusUnprocessableEntity, c4.IssueTypeCode_BUSINESS_RULE, expression, fmt.Sprintf(format, args...)}
}

// notFound is a 404, also the answer for what the caller may not see.
func notFound(expression, format string, args ...any) *problem {
	return &problem{http.StatusNotFound, c4.IssueTypeCode_NOT_FOUND, expression, fmt.Sprintf(format, args...)}
}

// forbidden is a 403.
func forbidden(expression, format string, args ...any) *problem {
	return &problem{http.StatusForbidden, c4.IssueTypeCode_FORBIDDEN, expression, fmt.Sprintf(format, args...)}
}

// fromRPC turns a service's error into a problem. field translates an AIP-193 field name of the
// request into the FHIR element it came from; expression is used when it knows none.
func fromRPC(err error, expression string, ifMatch bool, field func(string) string) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	st := status.Convert(err)
	expr := expression
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			if f := info.GetMetadata()["field"]; f != "" && field != nil {
				if e := field(f); e != "" {
					expr = e
				}
			}
		}
	}
	msg := st.Message()
	switch st.Code() {
	case codes.InvalidArgument, codes.OutOfRange:
		return &problem{http.StatusBadRequest, c4.IssueTypeCode_INVALID, expr, msg}
	case codes.FailedPrecondition:
		return &problem{http.StatusUnprocessableEntity, c4.IssueTypeCode_BUSINESS_RULE, expr, msg}
	case codes.NotFound:
		return &problem{http.StatusNotFound, c4.IssueTypeCode_NOT_FOUND, expr, msg}
	case codes.PermissionDenied:
		return &problem{http.StatusForbidden, c4.IssueTypeCode_FORBIDDEN, expr, msg}
	case codes.Unauthenticated:
		return &problem{http.StatusUnauthorized, c4.IssueTypeCode_LOGIN, expr, msg}
	case codes.Aborted:
		if ifMatch {
			return &problem{http.StatusPreconditionFailed, c4.IssueTypeCode_CONFLICT, expr, msg}
		}
		return &problem{http.StatusConflict, c4.IssueTypeCode_CONFLICT, expr, msg}
	case codes.AlreadyExists:
		return &problem{http.StatusConflict, c4.IssueTypeCode_DUPLICATE, expr, msg}
	case codes.ResourceExhausted:
		return &problem{http.StatusTooManyRequests, c4.IssueTypeCode_THROTTLED, expr, msg}
	case codes.Unavailable:
		return &problem{http.StatusServiceUnavailable, c4.IssueTypeCode_TRANSIENT, expr, "a service is unavailable; retry later"}
	case codes.DeadlineExceeded, codes.Canceled:
		return &problem{http.StatusGatewayTimeout, c4.IssueTypeCode_TIMEOUT, expr, "a service did not answer in time; retry later"}
	}
	return &problem{http.StatusInternalServerError, c4.IssueTypeCode_EXCEPTION, expr, "internal error"}
}

// outcome is the OperationOutcome of issues of one severity.
func outcome(severity c4.IssueSeverityCode_Value, code c4.IssueTypeCode_Value, expression, diagnostic string) *oopb.OperationOutcome {
	issue := &oopb.OperationOutcome_Issue{
		Severity:    &oopb.OperationOutcome_Issue_SeverityCode{Value: severity},
		Code:        &oopb.OperationOutcome_Issue_CodeType{Value: code},
		Diagnostics: str(diagnostic),
	}
	if expression != "" {
		issue.Expression = []*d4.String{str(expression)}
	}
	return &oopb.OperationOutcome{Issue: []*oopb.OperationOutcome_Issue{issue}}
}

func (p *problem) outcome() *oopb.OperationOutcome {
	return outcome(c4.IssueSeverityCode_ERROR, p.code, p.expression, p.diagnostic)
}
