package testenv

import (
	"testing"
	"time"
)

// Poll calls ok until it reports true and reports whether it did within the given time. It
// checks often at first and then every 100 ms, so a quick condition is seen quickly and a slow
// one does not load the machine.
func Poll(within time.Duration, ok func() bool) bool {
	deadline := time.Now().Add(within)
	wait := 10 * time.Millisecond
	for {
		if ok() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(min(wait, time.Until(deadline)+time.Millisecond))
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// Eventually fails the test unless ok reports true within the given time.
func Eventually(tb testing.TB, within time.Duration, what string, ok func() bool) {
	tb.Helper()
	if !Poll(within, ok) {
		tb.Fatalf("%s: not so after %s", what, within)
	}
}
