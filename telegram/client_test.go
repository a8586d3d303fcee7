package telegram

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/telegram/telegramtest"
)

func TestNewAPI(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{BotUsername: "aajil_news_bot"})
	// A port that was open and is now closed: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	closed := "http://" + ln.Addr().String() + "/bot%s/%s"
	ln.Close()
	const wrong = "987654:WrongSecretTokenValue"

	tests := map[string]struct {
		token, endpoint string
		wantUser        string
		wantRefused     bool
		wantErr         bool
	}{
		"accepted":    {token: fake.Token(), endpoint: fake.Endpoint(), wantUser: "aajil_news_bot"},
		"refused":     {token: wrong, endpoint: fake.Endpoint(), wantRefused: true, wantErr: true},
		"unreachable": {token: wrong, endpoint: closed, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			api, err := NewAPI(context.Background(), tc.token, tc.endpoint, fake.Client())
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("NewAPI: %v", err)
				}
				if api.Self.UserName != tc.wantUser {
					t.Errorf("username = %q, want %q", api.Self.UserName, tc.wantUser)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewAPI succeeded, want an error")
			}
			if strings.Contains(err.Error(), tc.token) || strings.Contains(err.Error(), "WrongSecret") {
				t.Errorf("error %q carries the token", err)
			}
			if got := errors.Is(err, ErrTokenRefused); got != tc.wantRefused {
				t.Errorf("errors.Is(ErrTokenRefused) = %v, want %v (%v)", got, tc.wantRefused, err)
			}
			if tc.wantRefused && err.Error() != "telegram refused the bot token (401 Unauthorized)" {
				t.Errorf("error = %q, want the 401 explained", err)
			}
		})
	}
}

func TestNewAPICancelled(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := NewAPI(ctx, fake.Token(), fake.Endpoint(), fake.Client())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if strings.Contains(err.Error(), fake.Token()) {
		t.Errorf("error %q carries the token", err)
	}
}

func TestRedactToken(t *testing.T) {
	const token = "123:SECRET"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, dialErr := http.Post("http://"+addr+"/bot"+token+"/getMe", "text/plain", nil)
	if dialErr == nil {
		t.Fatalf("post to a closed port succeeded")
	}
	plain := errors.New("no token here")

	tests := map[string]struct {
		err     error
		wantIs  error
		wantURL bool
	}{
		"url error":  {err: dialErr, wantURL: true},
		"wrapped":    {err: errors.Join(errors.New("poll"), dialErr)},
		"cancelled":  {err: &url.Error{Op: "Post", URL: "http://x/bot" + token + "/getMe", Err: context.Canceled}, wantIs: context.Canceled, wantURL: true},
		"no token":   {err: plain, wantIs: plain},
		"nil":        {err: nil},
		"in message": {err: errors.New("bad " + token), wantIs: nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := RedactToken(tc.err, token)
			if tc.err == nil {
				if got != nil {
					t.Fatalf("RedactToken(nil) = %v, want nil", got)
				}
				return
			}
			if strings.Contains(got.Error(), "SECRET") {
				t.Errorf("redacted %q still carries the token", got)
			}
			if strings.Contains(tc.err.Error(), token) && !strings.Contains(got.Error(), "<token>") {
				t.Errorf("redacted %q, want <token> in place of the token", got)
			}
			if !errors.Is(got, tc.err) && !errors.Is(got, errors.Unwrap(tc.err)) {
				t.Errorf("errors.Is(redacted, original) = false for %v", got)
			}
			if tc.wantIs != nil && !errors.Is(got, tc.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false, want true", got, tc.wantIs)
			}
			var uerr *url.Error
			if tc.wantURL && (!errors.As(got, &uerr) || strings.Contains(uerr.URL, "SECRET")) {
				t.Errorf("got %#v, want a *url.Error with a redacted URL", got)
			}
		})
	}
}

func TestSetCommands(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	api, err := NewAPI(context.Background(), fake.Token(), fake.Endpoint(), fake.Client())
	if err != nil {
		t.Fatalf("NewAPI: %v", err)
	}
	cmds := map[string][]MenuCommand{
		"":   {{Name: "start", Description: "Subscribe to breaking news"}},
		"en": {{Name: "/start", Description: "Subscribe to breaking news"}, {Name: "add", Description: "Add a keyword rule"}},
		"ar": {{Name: "start", Description: "الاشتراك في الأخبار العاجلة"}, {Name: "add", Description: "إضافة قاعدة"}},
	}
	if err := SetCommands(context.Background(), api, cmds); err != nil {
		t.Fatalf("SetCommands: %v", err)
	}
	for lang, want := range map[string]string{"": `"start"`, "en": `"add"`, "ar": "إضافة قاعدة"} {
		if got := fake.Commands(lang); !strings.Contains(got, want) {
			t.Errorf("commands[%q] = %s, want %s in it", lang, got, want)
		}
	}

	// A refusal for one language is reported and the others still go out.
	fake.FailNext("setMyCommands", http.StatusInternalServerError, "Internal Server Error", 0)
	err = SetCommands(context.Background(), api, map[string][]MenuCommand{
		"":   {{Name: "stop", Description: "Unsubscribe"}},
		"en": {{Name: "stop", Description: "Unsubscribe"}},
	})
	if err == nil || !strings.Contains(err.Error(), "set commands (default)") {
		t.Fatalf("err = %v, want the default language's failure", err)
	}
	if got := fake.Commands("en"); !strings.Contains(got, `"stop"`) {
		t.Errorf("commands[en] = %s, want stop despite the other failure", got)
	}
}

// TestWithClient: the copy is the same bot on another HTTP client, made
// without asking Telegram again; the original keeps its client.
func TestWithClient(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.Options{})
	api, err := NewAPI(context.Background(), fake.Token(), fake.Endpoint(), fake.Client())
	if err != nil {
		t.Fatal(err)
	}
	calls := len(fake.Calls("getMe"))
	var used atomic.Int64
	counting := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Add(1)
		return fake.Client().Transport.RoundTrip(r)
	})}
	c := WithClient(api, counting)
	if got := len(fake.Calls("getMe")); got != calls {
		t.Errorf("getMe calls = %d after WithClient, want %d (no new check)", got, calls)
	}
	if c.Self.ID != api.Self.ID || c.Token != api.Token {
		t.Errorf("copy is bot %d, want %d with the same token", c.Self.ID, api.Self.ID)
	}
	if _, err := c.Send(tgbotapi.NewMessage(42, "hi")); err != nil {
		t.Fatalf("Send through the copy: %v", err)
	}
	if used.Load() != 1 {
		t.Errorf("requests through the new client = %d, want 1", used.Load())
	}
	if api.Client == c.Client {
		t.Error("the original's client was replaced")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
