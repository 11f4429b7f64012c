package periodic

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestEveryReportsTaskErrorsUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	runs, reported := 0, 0
	boom := errors.New("boom")
	done := make(chan struct{})
	go func() {
		defer close(done)
		Every(ctx, time.Millisecond, func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			runs++
			if runs >= 3 {
				cancel()
			}
			return boom
		}, func(err error) {
			if !errors.Is(err, boom) {
				t.Errorf("reported %v, want boom", err)
			}
			mu.Lock()
			reported++
			mu.Unlock()
		})
	}()
	<-done // Every returned once ctx ended
	mu.Lock()
	defer mu.Unlock()
	if runs < 3 {
		t.Fatalf("task ran %d times, want at least 3", runs)
	}
	// From the third run on, the failures came after ctx ended: they are the cancellation's,
	// not reported.
	if reported != 2 {
		t.Fatalf("reported %d errors, want 2", reported)
	}
}
