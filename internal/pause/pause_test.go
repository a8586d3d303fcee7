package pause

import (
	"context"
	"testing"
	"testing/synctest"
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

func TestEvery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		calls := 0
		done := make(chan struct{})
		go func() {
			defer close(done)
			Every(ctx, time.Second, func(context.Context) { calls++ })
		}()
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		if calls != 3 {
			t.Errorf("after 3.5 s of Every(1 s): %d calls, want 3", calls)
		}
		cancel()
		<-done
		time.Sleep(time.Hour)
		if calls != 3 {
			t.Errorf("after cancel: %d calls, want still 3", calls)
		}
	})
}

func TestTickOnTheWallClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(300 * time.Millisecond) // start off the grid
		tk := NewTick(time.Second)
		defer tk.Stop()
		var got []time.Duration
		for _, work := range []time.Duration{0, 1500 * time.Millisecond, 200 * time.Millisecond} {
			at := <-tk.C
			got = append(got, time.Duration(at.UnixNano()%int64(time.Second)))
			time.Sleep(work) // a job that outlasts the period skips a tick
			tk.Next()
		}
		for i, off := range got {
			if off != 0 {
				t.Errorf("tick %d at %v past a whole second, want on it", i, off)
			}
		}
		// 0.3 s start → ticks at 1 s, 2 s, then 4 s (the job ran to 3.5 s).
		if now := time.Now().Unix() - time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix(); now != 4 {
			t.Errorf("third tick and its job ended at %d s, want 4", now)
		}
	})
}
