package pipeline

import (
	"sync"
	"testing"
	"time"

	"github.com/aajil/aajil/store/storetest"
)

// cascadeLog records the cascades asked for.
type cascadeLog struct {
	mu     sync.Mutex
	except []string
}

func (c *cascadeLog) Cascade(except string, _ time.Time) {
	c.mu.Lock()
	c.except = append(c.except, except)
	c.mu.Unlock()
}

func TestNewUrgentStoryStartsACascade(t *testing.T) {
	st := storetest.Open(t)
	c := &cascadeLog{}
	h := newHarnessWith(t, st, func(o *Options) { o.Cascade = c })
	h.poll(sana)
	h.poll(aj)
	h.poll(sana, item("s1", "مصدر في الاستخبارات لـ سانا: إحباط محاولة تفجير داخل مقام السيدة زينب بريف دمشق", true))
	// A later report of the same story starts none.
	h.poll(aj, item("a1", "إحباط محاولة تفجير داخل مقام السيدة زينب بريف دمشق", true))
	// Nor does an item that is not urgent.
	h.poll(aj, item("a2", "افتتاح معرض الكتاب في دمشق", false))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.except) != 1 || c.except[0] != sana.ID {
		t.Errorf("cascades after %q, want one after %q", c.except, sana.ID)
	}
}
