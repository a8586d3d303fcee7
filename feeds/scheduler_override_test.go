package feeds

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
)

// TestSchedulerIntervalForAndPollBy: a source whose interval is
// overridden waits the override after a success; PollBy brings its next
// poll back, and without the override it is polled at its own interval.
func TestSchedulerIntervalForAndPollBy(t *testing.T) {
	const interval = 20 * time.Millisecond
	fp := newFakePoller(nil)
	var pushed atomic.Bool
	pushed.Store(true)
	s := NewScheduler(fp, nil, SchedulerOptions{StartupSpread: -1, IntervalFor: func(src Source) time.Duration {
		if src.ID == "pushed" && pushed.Load() {
			return time.Hour
		}
		return 0
	}})
	s.Set([]Source{src("pushed", "a.test", interval), src("polled", "b.test", interval)})
	start(t, s)

	wait.For(t, "the first poll of pushed and 5 of polled", func() bool {
		return fp.Count("pushed") >= 1 && fp.Count("polled") >= 5
	})
	if n := fp.Count("pushed"); n != 1 {
		t.Errorf("pushed polled %d times, want once: its next poll is an hour on", n)
	}
	st, _ := s.State("pushed")
	if left := time.Until(st.NextDue); left < 50*time.Minute {
		t.Errorf("pushed next due in %v, want about an hour", left)
	}

	pushed.Store(false)
	s.PollBy("pushed", time.Now())
	wait.For(t, "pushed polled again at its own pace", func() bool { return fp.Count("pushed") >= 4 })
	// Unknown sources are ignored.
	s.PollBy("absent", time.Now())
}
