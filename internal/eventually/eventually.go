// Package eventually waits, in tests, for a condition that another
// goroutine or process brings about: it polls the condition until it holds
// or a deadline passes, so that no test sleeps for a fixed time and hopes.
//
// Only tests import it.
package eventually

import (
	"testing"
	"time"
)

// every is how often a condition is polled.
const every = 10 * time.Millisecond

// True polls cond until it returns true, failing t (t.Fatalf) with what
// it was waiting for when timeout passes first. cond runs on the test's
// goroutine, so it may fail t itself.
func True(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(every)
	}
}
