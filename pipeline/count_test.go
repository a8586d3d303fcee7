package pipeline

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/aajil/aajil/feeds"
	"github.com/aajil/aajil/store"
)

// fakeCounter records the counts, or fails.
type fakeCounter struct {
	names []store.Counter
	err   error
}

func (f *fakeCounter) Add(_ context.Context, c store.Counter, n int64) error {
	if f.err != nil {
		return f.err
	}
	f.names = append(f.names, c)
	return nil
}

// queueN queues n of the deliveries it is given.
type queueN struct{ n int }

func (q queueN) Enqueue(context.Context, []store.Delivery) (int, error) { return q.n, nil }

func TestCountQueued(t *testing.T) {
	var got []int
	o := CountQueued(queueN{n: 3}, func(n int) { got = append(got, n) })
	if n, err := o.Enqueue(context.Background(), make([]store.Delivery, 5)); n != 3 || err != nil {
		t.Errorf("Enqueue = %d, %v; want 3, nil", n, err)
	}
	if !slices.Equal(got, []int{3}) {
		t.Errorf("queued reported %v, want [3]", got)
	}
}

func TestAlertCounter(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantNames []store.Counter
		wantLog   bool
	}{
		{name: "counted", wantNames: []store.Counter{"alerts", "alerts:src:sana"}},
		{name: "store down", err: errors.New("redis down"), wantLog: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &fakeCounter{err: tc.err}
			var log bytes.Buffer
			metric, next := 0, 0
			ac := &AlertCounter{Store: c, Metric: func() { metric++ }, Next: func(Alert) { next++ },
				Log: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
			ac.OnAlert(Alert{Source: feeds.Source{ID: "sana"}, Item: feeds.Item{Title: "t", Published: time.Now()}})
			if !slices.Equal(c.names, tc.wantNames) {
				t.Errorf("counted %v, want %v", c.names, tc.wantNames)
			}
			if metric != 1 || next != 1 {
				t.Errorf("metric called %d times, next %d; want 1 and 1", metric, next)
			}
			if got := bytes.Contains(log.Bytes(), []byte("alert not counted")); got != tc.wantLog {
				t.Errorf("logged a failed count: %v, want %v; log:\n%s", got, tc.wantLog, log.String())
			}
		})
	}
}
