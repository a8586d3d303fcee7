package store_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/internal/wait"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/store/storetest"
)

// gcraModel is a plain Go reference of Reserve's semantics, fed with the
// Redis clock each reservation reports, so the script's answers can be
// checked exactly however long the calls take.
type gcraModel struct {
	global int64           // global TAT, µs
	chat   map[int64]int64 // chat TATs, µs
}

func (m *gcraModel) reserve(now, chatID int64, g, c store.Limit, ahead time.Duration) (store.Refusal, time.Duration) {
	gT, gB := g.Interval.Microseconds(), int64(max(g.Burst, 1))
	cT, cB := c.Interval.Microseconds(), int64(max(c.Burst, 1))
	if allowed := m.chat[chatID] - (cB-1)*cT; cT > 0 && allowed > now {
		return store.RefusedChat, time.Duration(allowed-now) * time.Microsecond
	}
	slot := max(now, m.global-(gB-1)*gT)
	if slot-now > ahead.Microseconds() {
		return store.RefusedGlobal, time.Duration(slot-now) * time.Microsecond
	}
	if gT > 0 {
		m.global = max(m.global, slot) + gT
	}
	if cT > 0 {
		m.chat[chatID] = max(m.chat[chatID], slot) + cT
	}
	return store.NotRefused, time.Duration(slot-now) * time.Microsecond
}

// TestReserve runs sequences of reservations with hour-long intervals, so
// that the few milliseconds between calls cannot change an outcome. Each
// step states the outcome and its wait as measured from the first call
// (every TAT in these sequences is a multiple of the interval after the
// first call's Redis time); the wait is also checked exactly against
// gcraModel at the Redis time the script saw.
func TestReserve(t *testing.T) {
	const h = time.Hour
	type step struct {
		chat    int64
		refused store.Refusal
		at      time.Duration // the slot (or retry time), from the first call
	}
	unlimited := store.Limit{}
	tests := map[string]struct {
		global, chat store.Limit
		maxAhead     time.Duration
		steps        []step
	}{
		"global burst, then one per interval": {
			global: store.Limit{Interval: h, Burst: 3}, chat: unlimited, maxAhead: 24 * h,
			steps: []step{{1, store.NotRefused, 0}, {1, store.NotRefused, 0}, {1, store.NotRefused, 0},
				{1, store.NotRefused, h}, {1, store.NotRefused, 2 * h}, {1, store.NotRefused, 3 * h}},
		},
		"chat burst, then the chat is refused": {
			global: unlimited, chat: store.Limit{Interval: h, Burst: 2}, maxAhead: 24 * h,
			steps: []step{{1, store.NotRefused, 0}, {1, store.NotRefused, 0},
				{1, store.RefusedChat, h}, {1, store.RefusedChat, h}, {2, store.NotRefused, 0}},
		},
		"chat refusal books no global slot": {
			global: store.Limit{Interval: h, Burst: 1}, chat: store.Limit{Interval: h, Burst: 1}, maxAhead: 24 * h,
			steps: []step{{1, store.NotRefused, 0}, {1, store.RefusedChat, h}, {1, store.RefusedChat, h},
				{2, store.NotRefused, h}, {3, store.NotRefused, 2 * h}},
		},
		"beyond maxAhead nothing is booked": {
			global: store.Limit{Interval: h, Burst: 1}, chat: unlimited, maxAhead: 90 * time.Minute,
			steps: []step{{1, store.NotRefused, 0}, {2, store.NotRefused, h}, {3, store.RefusedGlobal, 2 * h},
				{3, store.RefusedGlobal, 2 * h}, {4, store.RefusedGlobal, 2 * h}},
		},
		"two chats share the global rate": {
			global: store.Limit{Interval: h, Burst: 1}, chat: unlimited, maxAhead: 24 * h,
			steps: []step{{1, store.NotRefused, 0}, {2, store.NotRefused, h},
				{1, store.NotRefused, 2 * h}, {2, store.NotRefused, 3 * h}},
		},
		"chat limit booked at the global slot": {
			global: store.Limit{Interval: h, Burst: 1}, chat: store.Limit{Interval: 30 * time.Minute, Burst: 1}, maxAhead: 24 * h,
			steps: []step{{1, store.NotRefused, 0}, {2, store.NotRefused, h},
				// Chat 2's send is at 1 h, so it is free from 1:30, not 0:30.
				{1, store.RefusedChat, 30 * time.Minute}, {2, store.RefusedChat, 90 * time.Minute}},
		},
		"a burst under one counts as one": {
			global: store.Limit{Interval: h, Burst: 0}, chat: unlimited, maxAhead: 24 * h,
			steps: []step{{1, store.NotRefused, 0}, {1, store.NotRefused, h}, {1, store.NotRefused, 2 * h}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := storetest.Open(t)
			ctx := t.Context()
			model := gcraModel{chat: map[int64]int64{}}
			var first time.Time
			for i, st := range tc.steps {
				r, err := s.ReserveAt(ctx, st.chat, tc.global, tc.chat, tc.maxAhead)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if i == 0 {
					first = r.Now
				}
				if r.Refused != st.refused || r.OK != (st.refused == store.NotRefused) {
					t.Errorf("step %d (chat %d): got %v ok=%v, want %v", i, st.chat, r.Refused, r.OK, st.refused)
				}
				want := max(st.at-r.Now.Sub(first), 0)
				if r.Wait != want {
					t.Errorf("step %d (chat %d): wait %v, want %v", i, st.chat, r.Wait, want)
				}
				modelRefused, modelWait := model.reserve(r.Now.UnixMicro(), st.chat, tc.global, tc.chat, tc.maxAhead)
				if r.Refused != modelRefused || r.Wait != modelWait {
					t.Errorf("step %d (chat %d): got %v wait %v, model says %v wait %v",
						i, st.chat, r.Refused, r.Wait, modelRefused, modelWait)
				}
			}
		})
	}
}

// TestReserveSameAsReserveAt checks that Reserve reports what ReserveAt
// does.
func TestReserveSameAsReserveAt(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	lim := store.Limit{Interval: time.Hour, Burst: 1}
	wait, ok, err := s.Reserve(ctx, 1, lim, lim, time.Hour)
	if err != nil || !ok || wait != 0 {
		t.Fatalf("first Reserve = %v, %v, %v; want 0, true, nil", wait, ok, err)
	}
	wait, ok, err = s.Reserve(ctx, 1, lim, lim, time.Hour)
	if err != nil || ok || wait <= 59*time.Minute || wait > time.Hour {
		t.Fatalf("second Reserve = %v, %v, %v; want about 1h, false, nil", wait, ok, err)
	}
}

// TestReserveInvalidLimit checks that a negative interval is an error,
// not a limiter running backwards.
func TestReserveInvalidLimit(t *testing.T) {
	s := storetest.Open(t)
	bad := store.Limit{Interval: -time.Second, Burst: 1}
	good := store.Limit{Interval: time.Second, Burst: 1}
	for name, lims := range map[string][2]store.Limit{"global": {bad, good}, "chat": {good, bad}} {
		if _, _, err := s.Reserve(t.Context(), 1, lims[0], lims[1], time.Second); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want an error naming the %s limit", name, err, name)
		}
	}
}

// checkWindow fails when the sorted send times exceed limit in some
// window: a GCRA with interval T and burst b admits at most
// b + floor(W/T) sends in any closed window of length W, so sends i..j
// need j−i+1 ≤ b + floor((t_j − t_i)/T).
func checkWindow(t *testing.T, what string, times []time.Time, lim store.Limit) {
	t.Helper()
	times = slices.Clone(times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	T := lim.Interval.Microseconds()
	b := int64(max(lim.Burst, 1))
	for i := range times {
		for j := i + 1; j < len(times); j++ {
			w := times[j].Sub(times[i]).Microseconds()
			if n := int64(j - i + 1); n > b+w/T {
				t.Fatalf("%s: %d sends within %v (from %v), want at most %d (burst %d, interval %v)",
					what, n, times[j].Sub(times[i]), times[i].Format(time.RFC3339Nano), b+w/T, b, lim.Interval)
			}
		}
	}
}

// TestReserveConcurrentWindow races 8 goroutines on two Stores (two
// instances) and checks, from the booked slot times, that neither the
// global limit nor any chat's limit is exceeded in any window.
func TestReserveConcurrentWindow(t *testing.T) {
	tests := map[string]struct {
		global, chat store.Limit
		chats        int64
	}{
		"burst 1, distinct chats: slots spaced by the interval": {
			global: store.Limit{Interval: time.Millisecond, Burst: 1}, chat: store.Limit{Interval: time.Hour, Burst: 1}, chats: 1 << 40,
		},
		"bursts, shared chats": {
			global: store.Limit{Interval: 500 * time.Microsecond, Burst: 5}, chat: store.Limit{Interval: 3 * time.Millisecond, Burst: 3}, chats: 12,
		},
	}
	const goroutines, calls = 8, 150
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			stores := storetest.OpenInstances(t, 2)
			ctx := t.Context()
			var (
				mu     sync.Mutex
				global []time.Time
				byChat = map[int64][]time.Time{}
				wg     sync.WaitGroup
			)
			for g := range goroutines {
				wg.Go(func() {
					s := stores[g%2]
					for i := range calls {
						chat := int64(g*calls+i) % tc.chats
						r, err := s.ReserveAt(ctx, chat, tc.global, tc.chat, time.Hour)
						if err != nil {
							t.Error(err)
							return
						}
						if !r.OK {
							continue
						}
						mu.Lock()
						global = append(global, r.At())
						byChat[chat] = append(byChat[chat], r.At())
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if got, min := len(global), int(min(tc.chats, goroutines*calls)); got < min {
				t.Fatalf("%d sends booked, want at least %d (every chat's first)", got, min)
			}
			checkWindow(t, "global", global, tc.global)
			if tc.global.Burst <= 1 {
				slices.SortFunc(global, func(a, b time.Time) int { return a.Compare(b) })
				for i := 1; i < len(global); i++ {
					if d := global[i].Sub(global[i-1]); d < tc.global.Interval {
						t.Fatalf("slots %d and %d are %v apart, want at least %v", i-1, i, d, tc.global.Interval)
					}
				}
			}
			for chat, times := range byChat {
				checkWindow(t, "chat "+strconv.FormatInt(chat, 10), times, tc.chat)
			}
		})
	}
}

// TestPenalize checks that a penalty refuses sends to its chat (or all
// chats) for its duration and is only ever extended.
func TestPenalize(t *testing.T) {
	const h = time.Hour
	lim := store.Limit{Interval: time.Microsecond, Burst: 100}
	type penalty struct {
		chat int64
		d    time.Duration
	}
	tests := map[string]struct {
		penalties []penalty
		chat      int64
		wantOK    bool
		wantWait  time.Duration // about: at most this, less than a minute under it
	}{
		"global penalty stops every chat": {penalties: []penalty{{0, h}}, chat: 5, wantWait: h},
		"chat penalty stops that chat":    {penalties: []penalty{{7, h}}, chat: 7, wantWait: h},
		"chat penalty leaves others":      {penalties: []penalty{{7, h}}, chat: 8, wantOK: true},
		"a shorter penalty does not shorten": {
			penalties: []penalty{{7, 2 * h}, {7, time.Second}}, chat: 7, wantWait: 2 * h,
		},
		"a longer penalty extends": {penalties: []penalty{{7, time.Second}, {7, 3 * h}}, chat: 7, wantWait: 3 * h},
		"the later of chat and global wins": {
			penalties: []penalty{{7, h}, {0, 2 * h}}, chat: 7, wantWait: 2 * h,
		},
		"zero penalty is none": {penalties: []penalty{{7, 0}}, chat: 7, wantOK: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := storetest.Open(t)
			ctx := t.Context()
			for _, p := range tc.penalties {
				if err := s.Penalize(ctx, p.chat, p.d); err != nil {
					t.Fatal(err)
				}
			}
			r, err := s.ReserveAt(ctx, tc.chat, lim, lim, h)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK != tc.wantOK {
				t.Fatalf("ok = %v (%v), want %v", r.OK, r.Refused, tc.wantOK)
			}
			if tc.wantOK {
				if r.Wait != 0 {
					t.Errorf("wait = %v, want 0", r.Wait)
				}
				return
			}
			if r.Refused != store.RefusedPenalty {
				t.Errorf("refused by %v, want penalty", r.Refused)
			}
			if r.Wait > tc.wantWait || r.Wait < tc.wantWait-time.Minute {
				t.Errorf("wait = %v, want about %v", r.Wait, tc.wantWait)
			}
		})
	}
}

// TestPenaltyEnds checks that sends resume once a penalty is over, and
// that a penalty books nothing: the first send after it goes at once.
func TestPenaltyEnds(t *testing.T) {
	s := storetest.Open(t)
	ctx := t.Context()
	lim := store.Limit{Interval: time.Hour, Burst: 1}
	const d = 50 * time.Millisecond
	if err := s.Penalize(ctx, 0, d); err != nil {
		t.Fatal(err)
	}
	r, err := s.ReserveAt(ctx, 1, lim, lim, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK || r.Wait > d {
		t.Fatalf("during the penalty: ok=%v wait %v, want refused for at most %v", r.OK, r.Wait, d)
	}
	// Refused reservations book nothing: try until the penalty is over.
	wait.Within(t, 5*time.Second, "the penalty to pass", func() bool {
		if r, err = s.ReserveAt(ctx, 1, lim, lim, time.Hour); err != nil {
			t.Fatal(err)
		}
		return r.OK
	})
	if !r.OK || r.Wait != 0 {
		t.Errorf("after the penalty: ok=%v (%v) wait %v, want booked at once", r.OK, r.Refused, r.Wait)
	}
}

// TestReserveKeysExpire checks that every limiter key gets a TTL just
// past its TAT, so that after a fan-out to many chats the keys vanish.
func TestReserveKeysExpire(t *testing.T) {
	prefix := storetest.Prefix()
	s := openOpts(t, store.Options{Prefix: prefix})
	ctx := t.Context()
	global := store.Limit{Interval: 100 * time.Microsecond, Burst: 1}
	chat := store.Limit{Interval: 300 * time.Millisecond, Burst: 2}
	const chats = 500
	for c := range int64(chats) {
		r, err := s.ReserveAt(ctx, -1000-c, global, chat, time.Second)
		if err != nil || !r.OK {
			t.Fatalf("chat %d: %+v, %v", c, r, err)
		}
		// The chat's TAT is its slot plus its interval; its key lives a
		// second longer.
		key := chatKey(prefix, -1000-c)
		ttl, err := s.Redis().PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if maxTTL := r.Wait + chat.Interval + time.Second + time.Millisecond; ttl <= 0 || ttl > maxTTL {
			t.Errorf("PTTL(%s) = %v, want in (0, %v]", key, ttl, maxTTL)
		}
	}
	if err := s.Penalize(ctx, -1000, 30*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	keys := scanKeys(t, s, prefix)
	if len(keys) == 0 {
		t.Fatal("no limiter keys right after the reservations")
	}
	wait.Until(10*time.Second, func() bool {
		keys = scanKeys(t, s, prefix)
		return len(keys) == 0
	})
	if len(keys) > 0 {
		t.Errorf("%d limiter keys left after they expired, e.g. %s", len(keys), keys[0])
	}
}

// chatKey is the name of a chat limiter's key (docs/REDIS.md).
func chatKey(prefix string, chat int64) string {
	return prefix + "{tg}:rl:chat:" + strconv.FormatInt(chat, 10)
}

// scanKeys lists the keys under prefix.
func scanKeys(t *testing.T, s *store.Store, prefix string) []string {
	t.Helper()
	var keys []string
	iter := s.Redis().Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
	for iter.Next(t.Context()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return keys
}
