package domain

import "errors"

// Kinds of refusal a decision returns, wrapped in an *Error; the server maps each to its status
// code in one place (server.ToStatus).
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	ErrEtagMismatch  = errors.New("etag does not match the current version")
	ErrPrecondition  = errors.New("state does not allow it")
	ErrInvalid       = errors.New("invalid value")
)

// Error is a refused decision with what the caller needs to put it right.
type Error struct {
	// Kind is one of the Err sentinels.
	Kind error
	// Reason is the UPPER_SNAKE reason of a precondition, e.g. SESSION_STARTED.
	Reason string
	// Resource is the name of the resource concerned, e.g. events/tea.
	Resource string
	// Field is the request field an ErrInvalid is about, e.g. session.end_time.
	Field string
	// Message says what is wrong, for a developer.
	Message string
	// Metadata adds facts such as the current state.
	Metadata map[string]string
}

func (e *Error) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrPrecondition) and the like work.
func (e *Error) Unwrap() error { return e.Kind }

func notFound(name string) error {
	return &Error{Kind: ErrNotFound, Resource: name, Message: name + " not found"}
}

func alreadyExists(name string) error {
	return &Error{Kind: ErrAlreadyExists, Resource: name, Message: name + " already exists"}
}

func precondition(reason, msg string, md map[string]string) error {
	return &Error{Kind: ErrPrecondition, Reason: reason, Message: msg, Metadata: md}
}

func invalid(field, msg string) error {
	return &Error{Kind: ErrInvalid, Field: field, Message: msg}
}
