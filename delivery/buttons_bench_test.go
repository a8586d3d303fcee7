package delivery

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram/telegramtest"
)

// BenchmarkAlertButtons is what the buttons add to each alert sent: the
// keyboard for the chat (its subscriber from the sender's cache) and its
// JSON in the request.
//
//	go test -run '^$' -bench BenchmarkAlertButtons ./delivery/
func BenchmarkAlertButtons(b *testing.B) {
	h := newSenderHarness(b, telegramtest.Options{})
	ctx := context.Background()
	if err := h.st.PutSubscriber(ctx, store.Subscriber{ChatID: 77, Type: "private", Lang: "ar", Rules: []string{"دمشق"}, Active: true}); err != nil {
		b.Fatal(err)
	}
	opts, _ := fastOptions()
	s := h.sender(opts)
	if kb := s.alertButtons(ctx, 77, "ar", "sana", "123456", "دمشق"); len(kb) != 1 || len(kb[0]) != 2 {
		b.Fatalf("keyboard %+v, want mute and why", kb)
	}
	b.ReportAllocs()
	for b.Loop() {
		kb := inlineKeyboard(s.alertButtons(ctx, 77, "ar", "sana", "123456", "دمشق"))
		if _, err := json.Marshal(kb); err != nil {
			b.Fatal(err)
		}
	}
}
