// Package wait is how the tests wait for something to happen: they poll
// a condition, or receive from a channel, with one generous deadline, and
// fail with what they waited for. A test never sleeps to synchronise.
package wait

import (
	"testing"
	"time"
)

// Timeout is how long For and Recv wait before failing the test. It is
// generous: a passing wait ends in milliseconds, and a loaded machine
// (the race detector, several test binaries at once) must not fail it.
const Timeout = 30 * time.Second

// tick is how often a condition is checked.
const tick = 5 * time.Millisecond

// For polls cond until it holds, and fails the test (t.Fatalf) if it
// does not within Timeout.
func For(t testing.TB, what string, cond func() bool) {
	t.Helper()
	Within(t, Timeout, what, cond)
}

// Within is For with its own deadline, for a wait whose bound is part of
// what the test says (a lease taken over within its TTL).
func Within(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Until(d, cond) {
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}

// Until polls cond until it holds or d has passed, and reports whether it
// held. It does not fail the test: it is for the caller that reports the
// failure itself, with more to say (a log, a count).
func Until(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	t := time.NewTicker(tick)
	defer t.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		<-t.C
	}
	return true
}

// Recv receives a value from ch, and fails the test if none comes within
// Timeout or ch is closed.
func Recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatalf("waiting for %s: channel closed", what)
		}
		return v
	case <-timer.C:
		t.Fatalf("timed out after %v waiting for %s", Timeout, what)
	}
	var zero T
	return zero
}
