package telegram

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aajil/aajil/telegram/telegramtest"
)

var allowedUpdates = []string{"message", "callback_query"}

func TestSetAndDeleteWebhook(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	api, err := NewAPI(context.Background(), fake.Token(), fake.Endpoint(), fake.Client())
	if err != nil {
		t.Fatalf("NewAPI: %v", err)
	}
	ctx := context.Background()

	if err := SetWebhook(ctx, api, "https://aajil.example/telegram", "bad secret!", allowedUpdates); err == nil {
		t.Error("SetWebhook with an invalid secret succeeded, want an error")
	}
	if n := len(fake.Calls("setWebhook")); n != 0 {
		t.Errorf("setWebhook called %d times for an invalid secret, want 0", n)
	}
	if err := SetWebhook(ctx, api, "https://aajil.example/telegram", "abc_DEF-123", allowedUpdates); err != nil {
		t.Fatalf("SetWebhook: %v", err)
	}
	calls := fake.Calls("setWebhook")
	if len(calls) != 1 {
		t.Fatalf("setWebhook called %d times, want 1", len(calls))
	}
	want := map[string]string{"url": "https://aajil.example/telegram", "secret_token": "abc_DEF-123"}
	for k, v := range want {
		if got := calls[0].Params[k]; got != v {
			t.Errorf("setWebhook %s = %q, want %q", k, got, v)
		}
	}
	var allowed []string
	if err := json.Unmarshal([]byte(calls[0].Params["allowed_updates"]), &allowed); err != nil || !slices.Equal(allowed, allowedUpdates) {
		t.Errorf("setWebhook allowed_updates = %q (%v), want %v", calls[0].Params["allowed_updates"], err, allowedUpdates)
	}

	if err := DeleteWebhook(ctx, api); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	if n := len(fake.Calls("deleteWebhook")); n != 1 {
		t.Errorf("deleteWebhook called %d times, want 1", n)
	}

	fake.FailNext("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided for webhook", 0)
	err = SetWebhook(ctx, api, "http://aajil.example/telegram", "abc", allowedUpdates)
	if err == nil || !strings.Contains(err.Error(), "HTTPS url must be provided") {
		t.Errorf("SetWebhook with a refused url = %v, want Telegram's reason", err)
	}
}
