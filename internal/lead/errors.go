package lead

import (
	"errors"
	"fmt"
	"regexp"
)

// Kind classifies an error for callers; the HTTP layer maps each kind to a
// status code in exactly one place.
type Kind string

const (
	KindInvalid      Kind = "invalid"
	KindNotFound     Kind = "not_found"
	KindConflict     Kind = "conflict"
	KindUnauthorized Kind = "unauthorized"
	KindForbidden    Kind = "forbidden" // authenticated, but the role does not allow it
	KindTooLarge     Kind = "too_large"
	KindThrottled    Kind = "throttled" // too many attempts; retry later
	KindUnavailable  Kind = "unavailable"
	KindInternal     Kind = "internal"
)

// Error is leadhub's one error type. Message is safe to show to callers;
// Op names the package that raised it (for logs, like the wrapped cause).
type Error struct {
	Kind    Kind
	Op      string // e.g. "store"; not shown to callers
	Message string
	Err     error
}

func (e *Error) Error() string {
	s := e.Message
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// opPrefix is the "package: " that starts a message by convention.
var opPrefix = regexp.MustCompile(`^([a-z][a-z0-9]*): `)

// Errorf returns an *Error of the given kind with a formatted message. A
// leading "pkg: " (the convention for naming where an error comes from)
// becomes the error's Op, so that logs keep it and callers do not see it.
func Errorf(kind Kind, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	e := &Error{Kind: kind, Message: msg}
	if m := opPrefix.FindStringSubmatch(msg); m != nil {
		e.Op, e.Message = m[1], msg[len(m[0]):]
	}
	return e
}

// KindOf returns the kind of err, or KindInternal when err carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// MessageOf returns the caller-safe message of err: the message of its
// *Error, without the Op and without the wrapped cause.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
