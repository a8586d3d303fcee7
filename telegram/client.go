package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ErrTokenRefused is returned by NewAPI when Telegram does not accept the
// bot token (401 Unauthorized, or 404 for a malformed one).
var ErrTokenRefused = errors.New("telegram refused the bot token")

// MenuCommand is one entry of the command menu Telegram shows to users
// (setMyCommands): a name without its slash and a one-line description.
type MenuCommand struct {
	Name        string
	Description string
}

// NewAPI connects to the Bot API at endpoint (go-telegram-bot-api's form
// "http://host/bot%s/%s"; Telegram's when empty) with httpClient
// (http.DefaultClient when nil) and checks the token with getMe.
//
// A refused token gives an error wrapping ErrTokenRefused. No error carries
// the token: tgbotapi and net/http put it in URLs, so errors pass through
// RedactToken.
func NewAPI(ctx context.Context, token, endpoint string, httpClient *http.Client) (*tgbotapi.BotAPI, error) {
	if endpoint == "" {
		endpoint = tgbotapi.APIEndpoint
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	// tgbotapi builds its requests without a context; the getMe it makes on
	// construction goes through a client that adds ours, so a cancelled
	// start does not hang on an unreachable API.
	api, err := tgbotapi.NewBotAPIWithClient(token, endpoint, contextClient{ctx: ctx, client: httpClient})
	if err != nil {
		if v := Classify(err); v.Kind == Unauthorized {
			return nil, fmt.Errorf("%w (%d %s)", ErrTokenRefused, v.Code, v.Description)
		}
		return nil, fmt.Errorf("telegram getMe: %w", RedactToken(err, token))
	}
	api.Client = httpClient
	return api, nil
}

// WithContext returns a shallow copy of api whose requests carry ctx, so
// that a call can be cancelled and bounded; tgbotapi itself takes no
// context. The copy shares api's HTTP client and token.
func WithContext(ctx context.Context, api *tgbotapi.BotAPI) *tgbotapi.BotAPI {
	c := *api
	c.Client = contextClient{ctx: ctx, client: api.Client}
	return &c
}

// WithClient returns a shallow copy of api that makes its requests through
// client: the same bot, checked once by NewAPI, on another HTTP client
// (e.g. with a shorter timeout than long polling needs).
func WithClient(api *tgbotapi.BotAPI, client *http.Client) *tgbotapi.BotAPI {
	c := *api
	c.Client = client
	return &c
}

// contextClient attaches a context to each request tgbotapi makes.
type contextClient struct {
	ctx    context.Context
	client tgbotapi.HTTPClient
}

func (c contextClient) Do(req *http.Request) (*http.Response, error) {
	return c.client.Do(req.WithContext(c.ctx))
}

// SetCommands publishes the command menu for each language code ("ar",
// "en", and "" for users of any other language). Every language is tried;
// the failures are joined in the returned error, which callers log rather
// than treat as fatal: the bot works without a menu.
func SetCommands(ctx context.Context, api *tgbotapi.BotAPI, cmds map[string][]MenuCommand) error {
	langs := make([]string, 0, len(cmds))
	for lang := range cmds {
		langs = append(langs, lang)
	}
	sort.Strings(langs) // deterministic order: default first
	capi := WithContext(ctx, api)
	var errs []error
	for _, lang := range langs {
		list := make([]tgbotapi.BotCommand, 0, len(cmds[lang]))
		for _, c := range cmds[lang] {
			list = append(list, tgbotapi.BotCommand{Command: strings.TrimPrefix(c.Name, "/"), Description: c.Description})
		}
		cfg := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), lang, list...)
		if _, err := capi.Request(cfg); err != nil {
			name := lang
			if name == "" {
				name = "default"
			}
			errs = append(errs, fmt.Errorf("set commands (%s): %w", name, RedactToken(err, api.Token)))
		}
	}
	return errors.Join(errs...)
}

// RedactToken returns err with every occurrence of token in its message
// replaced by "<token>". A *url.Error (what http.Client returns, with the
// request URL that holds the token) keeps its type, with its URL redacted
// and its inner error redacted in turn, so errors.Is and errors.As still
// see a timeout or a cancelled context. Other errors are wrapped so that
// errors.Is/As still reach the original.
func RedactToken(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	var uerr *url.Error
	if errors.As(err, &uerr) && err == error(uerr) {
		return &url.Error{
			Op:  uerr.Op,
			URL: strings.ReplaceAll(uerr.URL, token, "<token>"),
			Err: RedactToken(uerr.Err, token),
		}
	}
	return &redactedError{msg: strings.ReplaceAll(err.Error(), token, "<token>"), err: err}
}

// redactedError shows a redacted message while errors.Is and errors.As
// still see the original error.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
