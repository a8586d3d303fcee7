package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aajil/aajil/bot/telegramtest"
)

// TestRunServesCommandsInTelegram: with a token, `aajil run` checks it,
// sets the Arabic and English command menus and answers a subscriber's
// commands through the Bot API (a fake one on 127.0.0.1).
func TestRunServesCommandsInTelegram(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	feed, _ := countingFeed(t)
	cfgPath := filepath.Join(t.TempDir(), "aajil.yaml")
	if err := os.WriteFile(cfgPath, []byte("sources:\n  - id: tg-feed\n    url: "+feed.URL+"/feed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"AAJIL_CONFIG": cfgPath, "AAJIL_ALLOW_PRIVATE_SOURCES": "true",
		"AAJIL_REDIS_URL":      os.Getenv("AAJIL_TEST_REDIS_URL"),
		"AAJIL_TELEGRAM_TOKEN": fake.Token(), "AAJIL_TELEGRAM_API": fake.Endpoint(),
	}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() { done <- cli(ctx, []string{"run"}, strings.NewReader(""), &stdout, &stderr, getenv) }()

	user := telegramtest.User{ID: 4242, FirstName: "سلمى", LanguageCode: "ar"}
	fake.SendText(telegramtest.PrivateChat(user.ID), user, "/start")
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	sent, err := fake.WaitSent(wctx, user.ID, 1)
	if err != nil {
		t.Fatalf("no reply to /start: %v; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(sent[0].Text, "عاجل") {
		t.Errorf("/start reply %q is not the Arabic welcome", sent[0].Text)
	}
	if fake.Commands("ar") == "" || fake.Commands("en") == "" {
		t.Errorf("command menus not set: ar %q, en %q", fake.Commands("ar"), fake.Commands("en"))
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("run exited %d, want 0; stderr:\n%s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), fake.Token()) {
		t.Error("the log shows the bot token")
	}
}

func TestRunRefusedTokenExits(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	env := map[string]string{
		"AAJIL_REDIS_URL":      os.Getenv("AAJIL_TEST_REDIS_URL"),
		"AAJIL_TELEGRAM_TOKEN": "123:not-the-token", "AAJIL_TELEGRAM_API": fake.Endpoint(),
	}
	code, _, errOut := runCLI(t, env, "run")
	if code != 1 || !strings.Contains(errOut, "refused the bot token") || strings.Contains(errOut, "not-the-token") {
		t.Errorf("exit %d, stderr %q; want 1 with a clear refusal and no token", code, errOut)
	}
}
