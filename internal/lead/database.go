package lead

import "context"

// Pinger checks that the database answers; KindUnavailable when it does not.
type Pinger interface {
	Ping(ctx context.Context) error
}
