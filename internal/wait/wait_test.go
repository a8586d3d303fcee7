package wait

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestUntil(t *testing.T) {
	var n atomic.Int32
	if got := Until(time.Minute, func() bool { return n.Add(1) >= 3 }); !got {
		t.Errorf("Until(cond true on the third check) = false, want true")
	}
	if got := n.Load(); got != 3 {
		t.Errorf("checks = %d, want 3", got)
	}
	if got := Until(20*time.Millisecond, func() bool { return false }); got {
		t.Errorf("Until(never) = true, want false")
	}
}

func TestRecv(t *testing.T) {
	ch := make(chan string, 1)
	ch <- "done"
	if got := Recv(t, ch, "a value"); got != "done" {
		t.Errorf("Recv = %q, want %q", got, "done")
	}
}
