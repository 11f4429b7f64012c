package testenv

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Outcome is the token an authorization matrix writes for an answer: "OK" when the call
// succeeded and returned what was asked for, "OK0" when it succeeded but left it out (a list
// without the object), "U" for UNAUTHENTICATED, "P" for PERMISSION_DENIED, "N" for NOT_FOUND,
// and the code's name for anything else.
func Outcome(found bool, err error) string {
	switch status.Code(err) {
	case codes.OK:
		if found {
			return "OK"
		}
		return "OK0"
	case codes.Unauthenticated:
		return "U"
	case codes.PermissionDenied:
		return "P"
	case codes.NotFound:
		return "N"
	}
	return status.Code(err).String()
}
