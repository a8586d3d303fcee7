package report

import (
	"context"
	"fmt"
	"time"

	"github.com/aajil/aajil/store"
)

// DeliveryPage is the Delivery page.
type DeliveryPage struct {
	Now time.Time
	// Partitions are the outbox partitions, in order, with their holder.
	Partitions []Partition
	// Depth and Pending are the partitions' sums.
	Depth, Pending int64
	// SentLastMinute is the messages sent in the last whole clock
	// minute; Rate is that per second, against Limit, the configured
	// rate (0: not configured).
	SentLastMinute int64
	Rate, Limit    float64
	// TooManyHour and TooManyDay are Telegram's 429s in the last hour and
	// day.
	TooManyHour, TooManyDay int64
	// DeadLetters are the newest dead letters.
	DeadLetters []DeadLetter
	// Instances are the live sender instances and what they hold.
	Instances []Instance
	// CSRFToken is for the web handler to fill: each Retry form posts it
	// as the field "csrf", with the dead letter's id as "id", to
	// delivery/retry (relative to the page).
	CSRFToken string
}

// Partition is one outbox partition.
type Partition struct {
	Number         int
	Depth, Pending int64
	// Holder is the instance holding its lease; "" when none.
	Holder string
}

// DeadLetter is a delivery given up on.
type DeadLetter struct {
	ID       string
	ChatID   int64
	StoryID  string
	Source   string
	Headline string
	Reason   string
	Attempts int
	At       time.Time
}

// Instance is a live sender instance and the partitions it holds.
type Instance struct {
	Name       string
	Until      time.Time
	Partitions []int
}

// Delivery returns the Delivery page.
func (r *Reports) Delivery(ctx context.Context) (DeliveryPage, error) {
	page := DeliveryPage{Now: r.opt.Now(), Limit: r.opt.SendLimit}
	if err := r.outbox(ctx, &page); err != nil {
		return DeliveryPage{}, fmt.Errorf("delivery page: %w", err)
	}
	if err := r.rates(ctx, &page); err != nil {
		return DeliveryPage{}, fmt.Errorf("delivery page: %w", err)
	}
	dead, err := r.st.DeadLetters(ctx, int64(r.opt.DeadLetters))
	if err != nil {
		return DeliveryPage{}, fmt.Errorf("delivery page: %w", err)
	}
	for _, d := range dead {
		page.DeadLetters = append(page.DeadLetters, DeadLetter{
			ID: d.ID, ChatID: d.Delivery.ChatID, StoryID: d.Delivery.StoryID, Source: d.Delivery.SourceID,
			Headline: d.Delivery.Title, Reason: d.Reason, Attempts: d.Attempts, At: d.At,
		})
	}
	return page, nil
}

// outbox fills the partitions, their holders and the live instances.
func (r *Reports) outbox(ctx context.Context, page *DeliveryPage) error {
	depths, err := r.st.OutboxDepths(ctx)
	if err != nil {
		return err
	}
	holders, err := r.st.PartitionHolders(ctx)
	if err != nil {
		return err
	}
	live, err := r.st.LiveInstances(ctx)
	if err != nil {
		return err
	}
	held := map[string][]int{}
	for _, d := range depths {
		p := Partition{Number: d.Partition, Depth: d.Depth, Pending: d.Pending}
		if d.Partition < len(holders) {
			p.Holder = holders[d.Partition]
			held[p.Holder] = append(held[p.Holder], p.Number)
		}
		page.Partitions = append(page.Partitions, p)
		page.Depth += d.Depth
		page.Pending += d.Pending
	}
	for _, in := range live {
		page.Instances = append(page.Instances, Instance{Name: in.Name, Until: in.Until, Partitions: held[in.Name]})
	}
	return nil
}

// rates fills the last minute's sends and the 429s.
func (r *Reports) rates(ctx context.Context, page *DeliveryPage) error {
	sent, err := r.st.MinuteCount(ctx, store.CounterDeliveries, page.Now.Add(-time.Minute))
	if err != nil {
		return err
	}
	page.SentLastMinute, page.Rate = sent, float64(sent)/60
	c, err := r.st.CountsManyAt(ctx, []store.Counter{store.CounterTooManyRequests}, page.Now)
	if err != nil {
		return err
	}
	page.TooManyHour, page.TooManyDay = c[store.CounterTooManyRequests][0], c[store.CounterTooManyRequests][1]
	return nil
}

// RetryDeadLetter puts dead letter id back into the outbox, once
// (store.ErrDeadLetterNotFound or store.ErrDeadLetterRetried after).
func (r *Reports) RetryDeadLetter(ctx context.Context, id string) error {
	if err := r.st.RetryDeadLetter(ctx, id); err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	return nil
}
