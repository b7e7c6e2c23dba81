package lead

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorfSeparatesOp(t *testing.T) {
	cause := errors.New("disk on fire")
	for _, tc := range []struct {
		name          string
		err           error
		kind          Kind
		message, full string
	}{
		{"with op", Errorf(KindNotFound, "store: customer %q not found", "x"), KindNotFound,
			`customer "x" not found`, `store: customer "x" not found`},
		{"without op", Errorf(KindInvalid, "Bad thing: %d", 3), KindInvalid, "Bad thing: 3", "Bad thing: 3"},
		{"wrapped", fmt.Errorf("context: %w", &Error{Kind: KindUnavailable, Op: "store", Message: "ping failed", Err: cause}),
			KindUnavailable, "ping failed", "context: store: ping failed: disk on fire"},
		{"foreign", cause, KindInternal, "internal error", "disk on fire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := KindOf(tc.err); got != tc.kind {
				t.Errorf("KindOf = %q, want %q", got, tc.kind)
			}
			if got := MessageOf(tc.err); got != tc.message {
				t.Errorf("MessageOf = %q, want %q", got, tc.message)
			}
			if got := tc.err.Error(); got != tc.full {
				t.Errorf("Error() = %q, want %q", got, tc.full)
			}
		})
	}
}
