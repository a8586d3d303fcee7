package pause

import (
	"context"
	"testing"
	"time"
)

func TestFor(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	if got := For(ctx, time.Millisecond); !got {
		t.Errorf("For(live ctx, 1ms) = false, want true")
	}
	if got := For(ctx, 0); !got {
		t.Errorf("For(live ctx, 0) = false, want true")
	}
	cancel()
	if got := For(ctx, time.Hour); got {
		t.Errorf("For(cancelled ctx, 1h) = true, want false")
	}
	if got := For(ctx, 0); got {
		t.Errorf("For(cancelled ctx, 0) = true, want false")
	}
}

func TestUntilStop(t *testing.T) {
	stop := make(chan struct{})
	close(stop)
	if got := Until(context.Background(), stop, time.Hour); got {
		t.Errorf("Until(closed stop, 1h) = true, want false")
	}
}
