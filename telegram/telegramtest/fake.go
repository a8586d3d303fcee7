// Package telegramtest provides an in-process fake of the Telegram Bot API,
// served over real HTTP on 127.0.0.1, for tests of code that talks to
// Telegram through go-telegram-bot-api.
//
// The fake speaks the wire format (form-encoded, multipart and JSON request
// bodies; {"ok":…} responses), keeps the state a bot can observe (updates,
// messages, files, chat members), records every call, validates what Telegram
// validates where it matters for correctness (HTML parse mode, message
// length, UTF-8, callback data) and can be told to fail: once, persistently
// per method or per chat, at random, or when Telegram's rate limits are
// exceeded.
//
//	fake := telegramtest.New(t, telegramtest.Options{})
//	api, err := tgbotapi.NewBotAPIWithAPIEndpoint(fake.Token(), fake.Endpoint())
//	fake.SendText(telegramtest.PrivateChat(42), telegramtest.User{ID: 42, FirstName: "Rama"}, "/start")
package telegramtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aajil/aajil/telegram/tgtext"
)

// DefaultToken is the token the fake accepts when Options.Token is empty.
const DefaultToken = "123456789:AAFakeTokenForTestsOnly_abcdefghijklm"

// Telegram's documented size limits.
const (
	MaxMessageLength      = tgtext.MaxMessageLength // UTF-16 units of text after entity parsing
	MaxCaptionLength      = tgtext.MaxCaptionLength // UTF-16 units of a caption after entity parsing
	MaxCallbackDataLength = 64                      // bytes of an inline button's callback_data
	maxLongPoll           = 50 * time.Second
	defaultHang           = 30 * time.Second
)

// Options configures a Fake. The zero value is a working fake with no limits
// and no random failures.
type Options struct {
	// Token is the only bot token accepted; any other gets 401 Unauthorized.
	// Default DefaultToken.
	Token string
	// BotID, BotUsername and BotName describe the bot returned by getMe.
	// Defaults 123456789 (the token's prefix), "aajil_test_bot", "Aajil".
	BotID       int64
	BotUsername string
	BotName     string
	// Limits, when set, makes the fake answer 429 as Telegram does when a bot
	// sends faster than allowed. See TelegramLimits.
	Limits Limits
	// Random makes a share of delivery calls fail with 5xx or time out.
	Random RandomFailures
}

// Limit allows at most N calls in any window of length Per. The zero value
// means no limit.
type Limit struct {
	N   int
	Per time.Duration
}

// Limits are the send rates the fake enforces on sendMessage, sendPhoto
// and sendDocument. Chats with a negative id (groups, supergroups, channels) are
// held to Group, others to PrivateChat; every send but a paid broadcast
// (allow_paid_broadcast) counts towards Overall.
type Limits struct {
	Overall     Limit
	PrivateChat Limit
	Group       Limit
	// Edits makes editMessageText and editMessageCaption count towards
	// the limits as sends do (Telegram counts edits too, by rules it does
	// not publish); by default edits are not limited.
	Edits bool
}

// TelegramLimits returns the limits Telegram documents for bots: 30 messages
// per second overall, one per second in a private chat, 20 per minute in a
// group or channel.
func TelegramLimits() Limits {
	return Limits{
		Overall:     Limit{N: 30, Per: time.Second},
		PrivateChat: Limit{N: 1, Per: time.Second},
		Group:       Limit{N: 20, Per: time.Minute},
	}
}

// RandomFailures makes a share of the delivery calls (sendMessage,
// sendDocument, editMessageText) fail.
type RandomFailures struct {
	// Rate is the share of delivery calls that fail, from 0 to 1.
	Rate float64
	// TimeoutShare is the share of those failures that are timeouts rather
	// than 500/502 answers. A timeout is ambiguous, as in production: the
	// message IS delivered, but the answer is withheld until the client gives
	// up, the fake is closed or Hang has passed (then a 504 is written).
	TimeoutShare float64
	// Hang bounds how long a timed-out answer is withheld; default 30s.
	Hang time.Duration
	// Seed makes the failures reproducible.
	Seed uint64
}

// Failure is an error answer the fake gives instead of carrying out a call.
type Failure struct {
	Code        int    // HTTP status and error_code
	Description string // e.g. "Forbidden: bot was blocked by the user"
	// RetryAfter, when positive, is sent as parameters.retry_after.
	RetryAfter int
	// MigrateToChatID, when non-zero, is sent as parameters.migrate_to_chat_id.
	MigrateToChatID int64
}

// TooManyRequests is the 429 Telegram answers when a limit is exceeded.
func TooManyRequests(retryAfter int) Failure {
	return Failure{Code: http.StatusTooManyRequests, Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), RetryAfter: retryAfter}
}

// Blocked is the 403 Telegram answers when the user blocked the bot.
func Blocked() Failure {
	return Failure{Code: http.StatusForbidden, Description: "Forbidden: bot was blocked by the user"}
}

// ChatNotFound is the 400 Telegram answers for an unknown chat.
func ChatNotFound() Failure {
	return Failure{Code: http.StatusBadRequest, Description: "Bad Request: chat not found"}
}

// Migrated is the 400 Telegram answers when a group became a supergroup.
func Migrated(newChatID int64) Failure {
	return Failure{Code: http.StatusBadRequest, Description: "Bad Request: group chat was upgraded to a supergroup chat", MigrateToChatID: newChatID}
}

// ServerError is a 5xx answer such as 500 Internal Server Error or 502 Bad Gateway.
func ServerError(code int) Failure {
	return Failure{Code: code, Description: http.StatusText(code)}
}

// User is a Telegram user as the fake sends it in updates.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Chat is a Telegram chat. Type is "private", "group", "supergroup" or
// "channel".
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
}

// PrivateChat is the private chat with the user of that id.
func PrivateChat(userID int64) Chat { return Chat{ID: userID, Type: "private"} }

// Group is a supergroup (Telegram's negative -100… ids) with a title.
func Group(id int64, title string) Chat { return Chat{ID: id, Type: "supergroup", Title: title} }

// Channel is a channel with a public @username.
func Channel(id int64, username string) Chat {
	return Chat{ID: id, Type: "channel", Title: username, Username: username}
}

// Call is one request the fake received.
type Call struct {
	Method string
	// Params are the decoded parameters. Structured values (reply_markup,
	// commands, link_preview_options…) keep their JSON text, as tgbotapi
	// sends them.
	Params map[string]string
	// Files are the uploaded files of a multipart request, by field name.
	Files map[string]UploadedFile
	// Status is the HTTP status the fake answered.
	Status int
	At     time.Time
}

// Int returns a parameter as an integer (0 when absent or not a number).
func (c Call) Int(name string) int64 {
	n, _ := strconv.ParseInt(c.Params[name], 10, 64)
	return n
}

// UploadedFile is a file sent to the fake in a multipart request.
type UploadedFile struct {
	Name string
	Data []byte
}

// SentMessage is a message the bot sent (sendMessage, sendPhoto or
// sendDocument), in its current state: edits update Text and ReplyMarkup.
type SentMessage struct {
	ChatID                int64
	MessageID             int
	Text                  string // text, or caption of a photo or document
	ParseMode             string
	ReplyMarkup           string // JSON, as sent
	DisableWebPagePreview bool
	LinkPreviewOptions    string // JSON, as sent
	ReplyToMessageID      int
	Document              *UploadedFile // set for sendDocument
	// Photo is the photo of a sendPhoto: the URL (or file id) sent, or
	// the name of the uploaded file.
	Photo  string
	Edits  int
	SentAt time.Time
	// AllowPaidBroadcast is the allow_paid_broadcast parameter: the
	// message may go over the overall limit, for a fee.
	AllowPaidBroadcast bool
	// DisableNotification is the disable_notification parameter: the
	// message arrives without a sound.
	DisableNotification bool
}

// Fake is the fake Bot API server. Its methods are safe for concurrent use.
type Fake struct {
	opts Options
	srv  *httptest.Server
	done chan struct{}

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every state change
	calls     []Call
	updates   []update // not yet confirmed
	nextUpd   int
	msgIDs    map[int64]int
	sent      map[int64][]*SentMessage
	chats     map[int64]Chat
	members   map[memberKey]string
	files     map[string]storedFile
	nextFile  int
	callbacks map[string]bool
	commands  map[string]string // language_code → commands JSON
	failNext  map[string][]Failure
	failAll   map[string]Failure
	failChat  map[int64]Failure
	refused   map[string]string     // photo URL → why sendPhoto refuses it
	window    map[int64][]time.Time // send times per chat
	overall   []time.Time
	pollKick  chan struct{}
	rng       *rand.Rand
	hangs     []*Hang
	closeOnce sync.Once
}

type memberKey struct{ chat, user int64 }

type storedFile struct {
	id, uniqueID, path, name string
	data                     []byte
}

type update struct {
	ID            int            `json:"update_id"`
	Message       *message       `json:"message,omitempty"`
	CallbackQuery *callbackQuery `json:"callback_query,omitempty"`
}

type message struct {
	MessageID   int             `json:"message_id"`
	From        *User           `json:"from,omitempty"`
	Date        int64           `json:"date"`
	Chat        Chat            `json:"chat"`
	Text        string          `json:"text,omitempty"`
	Caption     string          `json:"caption,omitempty"`
	Entities    []entity        `json:"entities,omitempty"`
	Document    *document       `json:"document,omitempty"`
	Photo       []photoSize     `json:"photo,omitempty"`
	ReplyMarkup json.RawMessage `json:"reply_markup,omitempty"`
	EditDate    int64           `json:"edit_date,omitempty"`
}

type entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

type document struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	MimeType     string `json:"mime_type,omitempty"`
	FileSize     int    `json:"file_size"`
}

type photoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

type callbackQuery struct {
	ID           string   `json:"id"`
	From         User     `json:"from"`
	Message      *message `json:"message,omitempty"`
	ChatInstance string   `json:"chat_instance"`
	Data         string   `json:"data,omitempty"`
}

// New starts a fake on 127.0.0.1 and closes it when the test ends.
func New(t testing.TB, opts Options) *Fake {
	t.Helper()
	f := NewServer(opts)
	t.Cleanup(f.Close)
	return f
}

// NewServer starts a fake on 127.0.0.1; the caller must Close it.
func NewServer(opts Options) *Fake {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.BotID == 0 {
		id, err := strconv.ParseInt(strings.SplitN(opts.Token, ":", 2)[0], 10, 64)
		if err != nil || id <= 0 {
			id = 123456789
		}
		opts.BotID = id
	}
	if opts.BotUsername == "" {
		opts.BotUsername = "aajil_test_bot"
	}
	if opts.BotName == "" {
		opts.BotName = "Aajil"
	}
	if opts.Random.Hang <= 0 {
		opts.Random.Hang = defaultHang
	}
	f := &Fake{
		opts:      opts,
		done:      make(chan struct{}),
		changed:   make(chan struct{}),
		nextUpd:   1,
		msgIDs:    map[int64]int{},
		sent:      map[int64][]*SentMessage{},
		chats:     map[int64]Chat{},
		members:   map[memberKey]string{},
		files:     map[string]storedFile{},
		callbacks: map[string]bool{},
		commands:  map[string]string{},
		failNext:  map[string][]Failure{},
		failAll:   map[string]Failure{},
		failChat:  map[int64]Failure{},
		refused:   map[string]string{},
		window:    map[int64][]time.Time{},
		pollKick:  make(chan struct{}),
		rng:       rand.New(rand.NewPCG(opts.Random.Seed, opts.Random.Seed^0x9e3779b97f4a7c15)),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serveHTTP))
	return f
}

// Close stops the server. Pending long polls return at once and withheld
// answers are released first, so Close does not wait for client timeouts.
func (f *Fake) Close() {
	f.closeOnce.Do(func() {
		close(f.done)
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
}

// URL is the server's base URL, http://127.0.0.1:port.
func (f *Fake) URL() string { return f.srv.URL }

// Endpoint is the API endpoint in go-telegram-bot-api's form
// (http://127.0.0.1:port/bot%s/%s), for NewBotAPIWithAPIEndpoint.
func (f *Fake) Endpoint() string { return f.srv.URL + "/bot%s/%s" }

// FileEndpoint is the file download endpoint in go-telegram-bot-api's form
// (http://127.0.0.1:port/file/bot%s/%s). tgbotapi's GetFileDirectURL always
// uses Telegram's host, so callers build download URLs from this instead.
func (f *Fake) FileEndpoint() string { return f.srv.URL + "/file/bot%s/%s" }

// Token is the token the fake accepts.
func (f *Fake) Token() string { return f.opts.Token }

// Client is an HTTP client for the fake's server.
func (f *Fake) Client() *http.Client { return f.srv.Client() }

// --- state set up by tests ---

// SetChat registers a chat, so getChat and "@username" chat ids resolve.
// Chats the fake sees in SendText and friends are registered too.
func (f *Fake) SetChat(c Chat) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chats[c.ID] = c
}

// SetChatMember sets what getChatMember answers for a user in a chat:
// "creator", "administrator", "member", "restricted", "left" or "kicked".
// Unset members are "member".
func (f *Fake) SetChatMember(chatID, userID int64, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members[memberKey{chatID, userID}] = status
}

// FailNext makes the next call of method fail with the given answer.
// Several FailNext calls for one method queue up.
func (f *Fake) FailNext(method string, code int, description string, retryAfter int) {
	f.FailNextWith(method, Failure{Code: code, Description: description, RetryAfter: retryAfter})
}

// FailNextWith is FailNext for any Failure, e.g. Migrated(newID).
func (f *Fake) FailNextWith(method string, fail Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := canonical(method)
	f.failNext[m] = append(f.failNext[m], fail)
}

// FailAlways makes every call of method fail until ClearFailures.
func (f *Fake) FailAlways(method string, fail Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAll[canonical(method)] = fail
}

// FailChat makes every send and edit to a chat fail until ClearFailures,
// e.g. FailChat(id, Blocked()) for a user who blocked the bot.
func (f *Fake) FailChat(chatID int64, fail Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failChat[chatID] = fail
}

// RefusePhoto makes every sendPhoto of the photo URL fail as Telegram
// fails when it cannot fetch or use a picture: a 400 whose description
// is "Bad Request: " and description, by default "wrong file
// identifier/HTTP URL specified". The refused send still counts towards
// the rate limits. ClearFailures removes it.
func (f *Fake) RefusePhoto(photoURL, description string) {
	if description == "" {
		description = "wrong file identifier/HTTP URL specified"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused[photoURL] = description
}

// ClearFailures removes the failures set with FailNext, FailAlways,
// FailChat and RefusePhoto.
func (f *Fake) ClearFailures() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.failNext)
	clear(f.failAll)
	clear(f.failChat)
	clear(f.refused)
}

// --- updates pushed by tests ---

// SendText delivers a text message from a user in a chat to the bot, as the
// next update. A leading /command gets its bot_command entity, as Telegram
// sets it. It returns the message id.
func (f *Fake) SendText(chat Chat, from User, text string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.newUserMessage(chat, from)
	m.Text = text
	if strings.HasPrefix(text, "/") {
		cmd := text
		if i := strings.IndexAny(cmd, " \n\t"); i >= 0 {
			cmd = cmd[:i]
		}
		m.Entities = []entity{{Type: "bot_command", Offset: 0, Length: tgtext.UTF16Len(cmd)}}
	}
	f.push(update{Message: m})
	return m.MessageID
}

// SendDocument delivers a document from a user to the bot and stores its
// content for getFile and download. It returns the message id.
func (f *Fake) SendDocument(chat Chat, from User, fileName, mimeType string, data []byte, caption string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	sf := f.storeFile(fileName, data)
	m := f.newUserMessage(chat, from)
	m.Caption = caption
	m.Document = &document{FileID: sf.id, FileUniqueID: sf.uniqueID, FileName: fileName, MimeType: mimeType, FileSize: len(data)}
	f.push(update{Message: m})
	return m.MessageID
}

// SendCallback delivers a press on an inline button of the bot's message
// messageID in chat, and returns the callback query id that
// answerCallbackQuery must be given.
func (f *Fake) SendCallback(chat Chat, from User, messageID int, data string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chats[chat.ID] = chat
	id := fmt.Sprintf("cbq-%d", f.nextUpd)
	q := &callbackQuery{ID: id, From: from, ChatInstance: strconv.FormatInt(chat.ID, 10), Data: data}
	for _, s := range f.sent[chat.ID] {
		if s.MessageID == messageID {
			q.Message = &message{MessageID: s.MessageID, From: f.botUser(), Date: s.SentAt.Unix(), Chat: chat, Text: s.Text}
			if s.ReplyMarkup != "" {
				q.Message.ReplyMarkup = json.RawMessage(s.ReplyMarkup)
			}
		}
	}
	if q.Message == nil {
		q.Message = &message{MessageID: messageID, From: f.botUser(), Chat: chat}
	}
	f.callbacks[id] = true
	f.push(update{CallbackQuery: q})
	return id
}

// Pending is the number of updates not yet confirmed by getUpdates.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.updates)
}

func (f *Fake) newUserMessage(chat Chat, from User) *message {
	f.chats[chat.ID] = chat
	f.msgIDs[chat.ID]++
	fr := from
	return &message{MessageID: f.msgIDs[chat.ID], From: &fr, Date: time.Now().Unix(), Chat: chat}
}

func (f *Fake) push(u update) {
	u.ID = f.nextUpd
	f.nextUpd++
	f.updates = append(f.updates, u)
	f.notify()
}

// notify wakes everything waiting on a state change; f.mu must be held.
func (f *Fake) notify() {
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *Fake) botUser() *User {
	return &User{ID: f.opts.BotID, IsBot: true, FirstName: f.opts.BotName, Username: f.opts.BotUsername}
}

func (f *Fake) storeFile(name string, data []byte) storedFile {
	f.nextFile++
	ext := path.Ext(name)
	sf := storedFile{
		id:       fmt.Sprintf("BQACAgQAAxkBAAI%06d", f.nextFile),
		uniqueID: fmt.Sprintf("AgAD%06d", f.nextFile),
		path:     fmt.Sprintf("documents/file_%d%s", f.nextFile, ext),
		name:     name,
		data:     append([]byte(nil), data...),
	}
	f.files[sf.id] = sf
	return sf
}

// --- what tests inspect ---

// Calls returns the calls of a method (case-insensitive), in order; "" for
// all calls.
func (f *Fake) Calls(method string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := canonical(method)
	var out []Call
	for _, c := range f.calls {
		if method == "" || c.Method == m {
			out = append(out, c)
		}
	}
	return out
}

// Sent returns copies of the messages the bot sent to a chat, in order.
func (f *Fake) Sent(chatID int64) []SentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sentLocked(chatID)
}

func (f *Fake) sentLocked(chatID int64) []SentMessage {
	out := make([]SentMessage, 0, len(f.sent[chatID]))
	for _, s := range f.sent[chatID] {
		out = append(out, *s)
	}
	return out
}

// StatusCount is the number of calls of method (case-insensitive; ""
// for all) the fake answered with an HTTP status, e.g. 429 to count the
// rate-limit answers a sender received.
func (f *Fake) StatusCount(method string, status int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := canonical(method)
	n := 0
	for _, c := range f.calls {
		if (method == "" || c.Method == m) && c.Status == status {
			n++
		}
	}
	return n
}

// SentCount is the number of messages sent to all chats.
func (f *Fake) SentCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.sent {
		n += len(s)
	}
	return n
}

// Commands returns the commands set with setMyCommands for a language code
// ("" for the default), as the JSON text the bot sent.
func (f *Fake) Commands(languageCode string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.commands[languageCode]
}

// WaitSent waits until at least n messages were sent to a chat and returns
// them, or returns an error when ctx ends first.
func (f *Fake) WaitSent(ctx context.Context, chatID int64, n int) ([]SentMessage, error) {
	for {
		f.mu.Lock()
		if len(f.sent[chatID]) >= n {
			out := f.sentLocked(chatID)
			f.mu.Unlock()
			return out, nil
		}
		got := len(f.sent[chatID])
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for %d messages to chat %d: got %d: %w", n, chatID, got, ctx.Err())
		}
	}
}

// --- HTTP ---

var methodNames = func() map[string]string {
	m := map[string]string{}
	for _, name := range []string{
		"getMe", "getUpdates", "sendMessage", "editMessageText", "editMessageReplyMarkup", "answerCallbackQuery",
		"sendPhoto", "editMessageCaption",
		"setMyCommands", "getMyCommands", "getChatMember", "getChat", "sendDocument", "getFile",
		"deleteWebhook", "getWebhookInfo", "setWebhook",
	} {
		m[strings.ToLower(name)] = name
	}
	return m
}()

// canonical maps a method name to its documented spelling; Telegram's
// method names are case-insensitive.
func canonical(method string) string {
	if m, ok := methodNames[strings.ToLower(method)]; ok {
		return m
	}
	return method
}

type apiError struct {
	status int
	fail   Failure
}

type request struct {
	method string
	params map[string]string
	files  map[string]UploadedFile
}

func (f *Fake) serveHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if rest, ok := strings.CutPrefix(p, "/file/bot"); ok {
		f.serveFile(w, rest)
		return
	}
	rest, ok := strings.CutPrefix(p, "/bot")
	if !ok {
		writeFailure(w, Failure{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	token, method, _ := strings.Cut(rest, "/")
	if token != f.opts.Token {
		writeFailure(w, Failure{Code: http.StatusUnauthorized, Description: "Unauthorized"})
		return
	}
	req := request{method: canonical(method)}
	var err error
	req.params, req.files, err = decodeParams(r)
	if err != nil {
		f.finish(w, req, nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: " + err.Error()})
		return
	}
	if !utf8Params(req.params) {
		f.finish(w, req, nil, &Failure{Code: http.StatusBadRequest, Description: "Bad Request: strings must be encoded in UTF-8"})
		return
	}
	switch req.method {
	case "getUpdates":
		f.getUpdates(w, r, req)
		return
	case "sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageCaption", "editMessageReplyMarkup":
		f.deliver(w, r, req)
		return
	}
	if fail := f.injected(req); fail != nil {
		f.finish(w, req, nil, fail)
		return
	}
	result, fail := f.simple(req)
	f.finish(w, req, result, fail)
}

// finish records the call and writes the answer.
func (f *Fake) finish(w http.ResponseWriter, req request, result any, fail *Failure) {
	status := http.StatusOK
	if fail != nil {
		status = fail.Code
	}
	f.record(req, status)
	if fail != nil {
		writeFailure(w, *fail)
		return
	}
	writeResult(w, result)
}

func (f *Fake) record(req request, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Method: req.method, Params: req.params, Files: req.files, Status: status, At: time.Now()})
	f.notify()
}

// injected returns the failure set by FailNext/FailAlways/FailChat for this
// call, if any.
func (f *Fake) injected(req request) *Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	if q := f.failNext[req.method]; len(q) > 0 {
		fail := q[0]
		f.failNext[req.method] = q[1:]
		return &fail
	}
	if fail, ok := f.failAll[req.method]; ok {
		return &fail
	}
	if isDelivery(req.method) {
		if id, ok := f.resolveChat(req.params["chat_id"]); ok {
			if fail, ok := f.failChat[id]; ok {
				return &fail
			}
		}
	}
	return nil
}

// isDelivery reports whether method sends or edits a message.
func isDelivery(method string) bool {
	switch method {
	case "sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageCaption", "editMessageReplyMarkup":
		return true
	}
	return false
}

// captioned reports whether method carries a caption rather than a text.
func captioned(method string) bool {
	return method == "sendDocument" || method == "sendPhoto" || method == "editMessageCaption"
}

// simple carries out the methods that need no waiting.
func (f *Fake) simple(req request) (any, *Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := req.params
	switch req.method {
	case "getMe":
		return f.botUser(), nil
	case "deleteWebhook", "setWebhook":
		return true, nil
	case "getWebhookInfo":
		return map[string]any{"url": "", "has_custom_certificate": false, "pending_update_count": len(f.updates)}, nil
	case "answerCallbackQuery":
		id := p["callback_query_id"]
		if !f.callbacks[id] {
			return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
		}
		delete(f.callbacks, id)
		return true, nil
	case "setMyCommands":
		var cmds []struct{ Command, Description string }
		if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
			return nil, badRequest("can't parse commands JSON object")
		}
		for _, c := range cmds {
			if !validCommand.MatchString(c.Command) {
				return nil, badRequest("BOT_COMMAND_INVALID")
			}
			if n := utf8.RuneCountInString(c.Description); n < 1 || n > 256 {
				return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
			}
		}
		f.commands[p["language_code"]] = p["commands"]
		return true, nil
	case "getMyCommands":
		cmds := f.commands[p["language_code"]]
		if cmds == "" {
			cmds = "[]"
		}
		return json.RawMessage(cmds), nil
	case "getChat":
		id, ok := f.resolveChat(p["chat_id"])
		if !ok {
			return nil, ptr(ChatNotFound())
		}
		c, ok := f.chats[id]
		if !ok {
			return nil, ptr(ChatNotFound())
		}
		return c, nil
	case "getChatMember":
		chatID, ok := f.resolveChat(p["chat_id"])
		if !ok {
			return nil, ptr(ChatNotFound())
		}
		userID, err := strconv.ParseInt(p["user_id"], 10, 64)
		if err != nil {
			return nil, badRequest("invalid user_id specified")
		}
		status, ok := f.members[memberKey{chatID, userID}]
		if !ok {
			status = "member"
		}
		return map[string]any{"status": status, "user": User{ID: userID, FirstName: "User " + p["user_id"]}}, nil
	case "getFile":
		sf, ok := f.files[p["file_id"]]
		if !ok {
			return nil, badRequest("invalid file_id")
		}
		return map[string]any{"file_id": sf.id, "file_unique_id": sf.uniqueID, "file_size": len(sf.data), "file_path": sf.path}, nil
	}
	return nil, &Failure{Code: http.StatusNotFound, Description: "Not Found"}
}

var validCommand = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func badRequest(desc string) *Failure {
	return &Failure{Code: http.StatusBadRequest, Description: "Bad Request: " + desc}
}

func ptr[T any](v T) *T { return &v }

// resolveChat turns a chat_id parameter (a number or "@username") into an
// id; f.mu must be held.
func (f *Fake) resolveChat(s string) (int64, bool) {
	if name, ok := strings.CutPrefix(s, "@"); ok {
		for id, c := range f.chats {
			if strings.EqualFold(c.Username, name) {
				return id, true
			}
		}
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id != 0
}

// getUpdates implements long polling. Updates below offset are confirmed
// (forgotten); a negative offset keeps only the last -offset updates. A new
// getUpdates ends one still waiting with 409 Conflict, as Telegram does,
// which is how a second poller shows up in tests.
func (f *Fake) getUpdates(w http.ResponseWriter, r *http.Request, req request) {
	if fail := f.injected(req); fail != nil {
		f.finish(w, req, nil, fail)
		return
	}
	p := req.params
	offset, _ := strconv.Atoi(p["offset"])
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout := time.Duration(0)
	if t, err := strconv.Atoi(p["timeout"]); err == nil && t > 0 {
		timeout = min(time.Duration(t)*time.Second, maxLongPoll)
	}
	f.mu.Lock()
	close(f.pollKick)
	f.pollKick = make(chan struct{})
	kick := f.pollKick
	f.mu.Unlock()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		f.mu.Lock()
		f.confirm(offset)
		if offset < 0 {
			offset = 0 // a negative offset applies once
		}
		n := min(limit, len(f.updates))
		out := append([]update(nil), f.updates[:n]...)
		ch := f.changed
		f.mu.Unlock()
		if len(out) > 0 || timeout == 0 {
			f.finish(w, req, out, nil)
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			f.finish(w, req, []update{}, nil)
			return
		case <-kick:
			f.finish(w, req, nil, &Failure{Code: http.StatusConflict, Description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"})
			return
		case <-f.done:
			f.finish(w, req, []update{}, nil)
			return
		case <-r.Context().Done():
			f.record(req, 499) // client went away
			return
		}
	}
}

// confirm forgets updates as getUpdates with this offset does; f.mu held.
func (f *Fake) confirm(offset int) {
	switch {
	case offset > 0:
		i := 0
		for i < len(f.updates) && f.updates[i].ID < offset {
			i++
		}
		f.updates = f.updates[i:]
	case offset < 0:
		if keep := -offset; keep < len(f.updates) {
			f.updates = f.updates[len(f.updates)-keep:]
		}
	}
}

// deliver handles sendMessage, sendPhoto, sendDocument, editMessageText
// and editMessageCaption: injected failures, validation, random
// failures, rate limits, then the send.
func (f *Fake) deliver(w http.ResponseWriter, r *http.Request, req request) {
	if fail := f.injected(req); fail != nil {
		f.finish(w, req, nil, fail)
		return
	}
	if fail := f.validate(req); fail != nil {
		f.finish(w, req, nil, fail)
		return
	}
	f.mu.Lock()
	h := f.hangFor(req)
	f.mu.Unlock()
	if h != nil {
		f.hang(w, r, req, h)
		return
	}
	hang := false
	if rf := f.opts.Random; rf.Rate > 0 {
		f.mu.Lock()
		failing := f.rng.Float64() < rf.Rate
		timeout := failing && f.rng.Float64() < rf.TimeoutShare
		code := http.StatusInternalServerError
		if f.rng.IntN(2) == 0 {
			code = http.StatusBadGateway
		}
		f.mu.Unlock()
		if failing && !timeout {
			f.finish(w, req, nil, ptr(ServerError(code)))
			return
		}
		hang = timeout
	}
	result, fail := f.execute(req)
	if fail != nil {
		f.finish(w, req, nil, fail)
		return
	}
	if hang {
		f.record(req, http.StatusGatewayTimeout)
		t := time.NewTimer(f.opts.Random.Hang)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-f.done:
		case <-t.C:
			writeFailure(w, ServerError(http.StatusGatewayTimeout))
		}
		return
	}
	f.finish(w, req, result, nil)
}

// validate checks a delivery as Telegram does before sending anything.
func (f *Fake) validate(req request) *Failure {
	p := req.params
	f.mu.Lock()
	_, ok := f.resolveChat(p["chat_id"])
	f.mu.Unlock()
	if !ok {
		return ptr(ChatNotFound())
	}
	text, limit := p["text"], MaxMessageLength
	if req.method == "editMessageReplyMarkup" {
		return validMarkup(p["reply_markup"])
	}
	caption := captioned(req.method)
	if caption {
		text, limit = p["caption"], MaxCaptionLength
	}
	switch req.method {
	case "sendDocument":
		if _, ok := req.files["document"]; !ok && p["document"] == "" {
			return badRequest("there is no document in the request")
		}
	case "sendPhoto":
		if _, ok := req.files["photo"]; !ok && p["photo"] == "" {
			return badRequest("there is no photo in the request")
		}
	}
	if !caption && strings.TrimSpace(text) == "" {
		return badRequest("message text is empty")
	}
	plain := text
	if strings.EqualFold(p["parse_mode"], "HTML") {
		var err error
		if plain, err = parseHTML(text); err != nil {
			return badRequest("can't parse entities: " + err.Error())
		}
		if !caption && strings.TrimSpace(plain) == "" {
			return badRequest("message text is empty")
		}
	}
	if tgtext.UTF16Len(plain) > limit {
		if caption {
			return badRequest("message caption is too long")
		}
		return badRequest("message is too long")
	}
	return validMarkup(p["reply_markup"])
}

// validMarkup checks an inline keyboard as Telegram does: "" is none.
func validMarkup(rm string) *Failure {
	if rm != "" {
		var markup struct {
			InlineKeyboard [][]struct {
				Text         string  `json:"text"`
				CallbackData *string `json:"callback_data"`
				URL          string  `json:"url"`
			} `json:"inline_keyboard"`
		}
		if err := json.Unmarshal([]byte(rm), &markup); err != nil {
			return badRequest("can't parse reply keyboard markup JSON object")
		}
		for _, row := range markup.InlineKeyboard {
			for _, b := range row {
				if b.Text == "" {
					return badRequest("BUTTON_TEXT_EMPTY")
				}
				if b.CallbackData != nil && (*b.CallbackData == "" || len(*b.CallbackData) > MaxCallbackDataLength) {
					return badRequest("BUTTON_DATA_INVALID")
				}
			}
		}
	}
	return nil
}

// execute performs a validated delivery, subject to the rate limits.
func (f *Fake) execute(req request) (any, *Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := req.params
	chatID, _ := f.resolveChat(p["chat_id"])
	chat, ok := f.chats[chatID]
	if !ok {
		chat = Chat{ID: chatID, Type: "private"}
		if chatID < 0 {
			chat.Type = "supergroup"
		}
	}
	now := time.Now()
	if req.method == "editMessageText" || req.method == "editMessageCaption" || req.method == "editMessageReplyMarkup" {
		return f.edit(chat, req, now)
	}
	paid, _ := strconv.ParseBool(p["allow_paid_broadcast"])
	if fail := f.admit(chatID, now, paid); fail != nil {
		return nil, fail
	}
	if req.method == "sendPhoto" {
		if why, ok := f.refused[p["photo"]]; ok && p["photo"] != "" {
			return nil, badRequest(why)
		}
	}
	f.msgIDs[chatID]++
	s := &SentMessage{
		ChatID:             chatID,
		MessageID:          f.msgIDs[chatID],
		Text:               p["text"],
		ParseMode:          p["parse_mode"],
		ReplyMarkup:        p["reply_markup"],
		LinkPreviewOptions: p["link_preview_options"],
		SentAt:             now,
	}
	s.DisableWebPagePreview, _ = strconv.ParseBool(p["disable_web_page_preview"])
	s.AllowPaidBroadcast = paid
	s.DisableNotification, _ = strconv.ParseBool(p["disable_notification"])
	s.ReplyToMessageID, _ = strconv.Atoi(p["reply_to_message_id"])
	switch req.method {
	case "sendDocument":
		s.Text = p["caption"]
		doc := req.files["document"]
		s.Document = &doc
		f.storeFile(doc.Name, doc.Data)
	case "sendPhoto":
		s.Text, s.Photo = p["caption"], p["photo"]
		if up, ok := req.files["photo"]; ok {
			s.Photo = up.Name
		}
	}
	f.sent[chatID] = append(f.sent[chatID], s)
	f.notify()
	return f.messageOf(chat, s, now), nil
}

// edit carries out editMessageText or editMessageCaption; f.mu held. As
// Telegram, it refuses to edit the text of a photo or document and the
// caption of a text message.
func (f *Fake) edit(chat Chat, req request, now time.Time) (any, *Failure) {
	p := req.params
	id, _ := strconv.Atoi(p["message_id"])
	for _, s := range f.sent[chat.ID] {
		if s.MessageID != id {
			continue
		}
		text := p["text"]
		hasCaption := s.Document != nil || s.Photo != ""
		if req.method == "editMessageReplyMarkup" {
			// The text or caption stays as it is.
			text, p["parse_mode"] = s.Text, s.ParseMode
		} else if req.method == "editMessageCaption" {
			text = p["caption"]
			if !hasCaption {
				return nil, badRequest("there is no caption in the message to edit")
			}
		} else if hasCaption {
			return nil, badRequest("there is no text in the message to edit")
		}
		if s.Text == text && s.ReplyMarkup == p["reply_markup"] {
			return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
		}
		if f.opts.Limits.Edits {
			if fail := f.admit(chat.ID, now, false); fail != nil {
				return nil, fail
			}
		}
		s.Text, s.ParseMode, s.ReplyMarkup = text, p["parse_mode"], p["reply_markup"]
		s.Edits++
		f.notify()
		return f.messageOf(chat, s, now), nil
	}
	return nil, badRequest("message to edit not found")
}

func (f *Fake) messageOf(chat Chat, s *SentMessage, now time.Time) *message {
	m := &message{MessageID: s.MessageID, From: f.botUser(), Date: s.SentAt.Unix(), Chat: chat, Text: s.Text}
	switch {
	case s.Document != nil:
		m.Text, m.Caption = "", s.Text
		m.Document = &document{FileName: s.Document.Name, FileSize: len(s.Document.Data)}
	case s.Photo != "":
		id := fmt.Sprintf("photo-%d-%d", s.ChatID, s.MessageID)
		m.Text, m.Caption = "", s.Text
		m.Photo = []photoSize{{FileID: id, FileUniqueID: id, Width: 800, Height: 450}}
	}
	if s.Edits > 0 {
		m.EditDate = now.Unix()
	}
	if s.ReplyMarkup != "" && json.Valid([]byte(s.ReplyMarkup)) {
		m.ReplyMarkup = json.RawMessage(s.ReplyMarkup)
	}
	return m
}

// admit applies the rate limits to a send at now and records it when
// allowed; f.mu held. The answer to a send over the limit is a 429 whose
// retry_after says when the window frees up. A paid broadcast is not held
// to the overall limit (Telegram takes up to 1000 a second of them) but
// still to the chat's.
func (f *Fake) admit(chatID int64, now time.Time, paid bool) *Failure {
	lim := f.opts.Limits
	if paid {
		lim.Overall = Limit{}
	}
	chatLim := lim.PrivateChat
	if chatID < 0 {
		chatLim = lim.Group
	}
	wait := max(windowWait(f.overall, lim.Overall, now), windowWait(f.window[chatID], chatLim, now))
	if wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		return ptr(TooManyRequests(secs))
	}
	if lim.Overall.N > 0 {
		f.overall = trimWindow(append(f.overall, now), lim.Overall)
	}
	if chatLim.N > 0 {
		f.window[chatID] = trimWindow(append(f.window[chatID], now), chatLim)
	}
	return nil
}

// windowWait is how long until one more call fits in the window.
func windowWait(times []time.Time, l Limit, now time.Time) time.Duration {
	if l.N <= 0 || len(times) < l.N {
		return 0
	}
	oldest := times[len(times)-l.N]
	return oldest.Add(l.Per).Sub(now)
}

// trimWindow keeps the last l.N times, all that windowWait looks at.
func trimWindow(times []time.Time, l Limit) []time.Time {
	if len(times) > l.N {
		times = append(times[:0], times[len(times)-l.N:]...)
	}
	return times
}

func (f *Fake) serveFile(w http.ResponseWriter, rest string) {
	token, filePath, _ := strings.Cut(rest, "/")
	if token != f.opts.Token {
		writeFailure(w, Failure{Code: http.StatusUnauthorized, Description: "Unauthorized"})
		return
	}
	f.mu.Lock()
	var data []byte
	found := false
	for _, sf := range f.files {
		if sf.path == filePath {
			data, found = sf.data, true
			break
		}
	}
	f.mu.Unlock()
	if !found {
		writeFailure(w, Failure{Code: http.StatusNotFound, Description: "Not Found"})
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// decodeParams reads the parameters of a request in any of the encodings
// the Bot API accepts: query string, form-encoded, multipart or JSON.
func decodeParams(r *http.Request) (map[string]string, map[string]UploadedFile, error) {
	params := map[string]string{}
	files := map[string]UploadedFile{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, 50<<20))
		if err != nil {
			return nil, nil, fmt.Errorf("read body: %w", err)
		}
		var obj map[string]json.RawMessage
		if len(body) > 0 {
			if err := json.Unmarshal(body, &obj); err != nil {
				return nil, nil, fmt.Errorf("can't parse JSON body: %w", err)
			}
		}
		for k, v := range obj {
			var s string
			if json.Unmarshal(v, &s) == nil {
				params[k] = s
			} else {
				params[k] = string(v)
			}
		}
		for k, vs := range r.URL.Query() {
			if _, ok := params[k]; !ok && len(vs) > 0 {
				params[k] = vs[0]
			}
		}
		return params, files, nil
	case "multipart/form-data":
		if err := r.ParseMultipartForm(50 << 20); err != nil {
			return nil, nil, fmt.Errorf("can't parse multipart body: %w", err)
		}
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) == 0 {
				continue
			}
			fh := fhs[0]
			rd, err := fh.Open()
			if err != nil {
				return nil, nil, fmt.Errorf("open part %s: %w", k, err)
			}
			data, err := io.ReadAll(rd)
			rd.Close()
			if err != nil {
				return nil, nil, fmt.Errorf("read part %s: %w", k, err)
			}
			files[k] = UploadedFile{Name: fh.Filename, Data: data}
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, fmt.Errorf("can't parse form body: %w", err)
		}
	}
	for k, vs := range r.Form {
		if len(vs) > 0 {
			params[k] = vs[0]
		}
	}
	return params, files, nil
}

func utf8Params(p map[string]string) bool {
	for _, v := range p {
		if !utf8.ValidString(v) {
			return false
		}
	}
	return true
}

func writeResult(w http.ResponseWriter, result any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		OK     bool `json:"ok"`
		Result any  `json:"result"`
	}{true, result})
}

func writeFailure(w http.ResponseWriter, fail Failure) {
	type parameters struct {
		RetryAfter      int   `json:"retry_after,omitempty"`
		MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
	}
	body := struct {
		OK          bool        `json:"ok"`
		ErrorCode   int         `json:"error_code"`
		Description string      `json:"description"`
		Parameters  *parameters `json:"parameters,omitempty"`
	}{false, fail.Code, fail.Description, nil}
	if fail.RetryAfter > 0 || fail.MigrateToChatID != 0 {
		body.Parameters = &parameters{fail.RetryAfter, fail.MigrateToChatID}
	}
	w.Header().Set("Content-Type", "application/json")
	if fail.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(fail.RetryAfter))
	}
	w.WriteHeader(fail.Code)
	_ = json.NewEncoder(w).Encode(body)
}

// SentChats returns the ids of the chats the bot sent to, sorted, for tests
// that check a fan-out.
func (f *Fake) SentChats() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]int64, 0, len(f.sent))
	for id := range f.sent {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// --- Telegram HTML ---

// allowedTags are the start tags Telegram's HTML parse mode accepts.
// Anything else is refused, which is what makes a missing html.EscapeString
// in the code under test show up as a 400, as it would in production.
var allowedTags = map[string]bool{
	"b": true, "strong": true,
	"i": true, "em": true,
	"u": true, "ins": true,
	"s": true, "strike": true, "del": true,
	"a":          true,
	"code":       true,
	"pre":        true,
	"tg-spoiler": true,
	"blockquote": true,
}

// namedEntities are the only named character references Telegram decodes.
var namedEntities = map[string]string{
	"lt":   "<",
	"gt":   ">",
	"amp":  "&",
	"quot": `"`,
}

// parseHTML checks text the way Telegram's parse_mode=HTML does and returns
// the plain text a reader sees (tags removed, entities decoded). The returned
// error string is the part after "Bad Request: can't parse entities: ".
//
// It is deliberately strict where Telegram's documentation says a character
// "must be replaced": a bare '<', '>' or '&' is refused, as are unknown tags,
// unknown named entities, unclosed and crossed tags, and <a> without href.
// Numeric character references (&#1593; &#x639;) are accepted, as Telegram
// does.
func parseHTML(text string) (string, error) {
	var plain strings.Builder
	var stack []string
	i := 0
	for i < len(text) {
		c := text[i]
		switch c {
		case '<':
			end, name, closing, attrs, err := scanTag(text, i)
			if err != nil {
				return "", err
			}
			if closing {
				if len(stack) == 0 {
					return "", fmt.Errorf("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if top != name {
					return "", fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top, name)
				}
				stack = stack[:len(stack)-1]
			} else {
				if !allowedTags[name] {
					return "", fmt.Errorf("Unsupported start tag %q at byte offset %d", name, i)
				}
				if name == "a" {
					if strings.TrimSpace(attrs["href"]) == "" {
						return "", fmt.Errorf("Unsupported start tag \"a\" without href at byte offset %d", i)
					}
					for _, open := range stack {
						if open == "a" {
							return "", fmt.Errorf("Nested links are not allowed at byte offset %d", i)
						}
					}
				}
				stack = append(stack, name)
			}
			i = end
		case '>':
			return "", fmt.Errorf("Character '>' is reserved and must be escaped at byte offset %d", i)
		case '&':
			decoded, n, err := scanEntity(text, i)
			if err != nil {
				return "", err
			}
			plain.WriteString(decoded)
			i += n
		default:
			plain.WriteByte(c)
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1])
	}
	return plain.String(), nil
}

// scanTag reads the tag starting at text[start] == '<'. It returns the index
// just past '>', the lower-cased name, whether it is an end tag, and the
// entity-decoded attributes of a start tag.
func scanTag(text string, start int) (end int, name string, closing bool, attrs map[string]string, err error) {
	i := start + 1
	if i < len(text) && text[i] == '/' {
		closing = true
		i++
	}
	nameStart := i
	for i < len(text) && isNameByte(text[i]) {
		i++
	}
	name = strings.ToLower(text[nameStart:i])
	if name == "" {
		return 0, "", false, nil, fmt.Errorf("Unexpected character '<' at byte offset %d; it must be escaped as &lt;", start)
	}
	if closing {
		i = skipSpace(text, i)
		if i >= len(text) || text[i] != '>' {
			return 0, "", false, nil, fmt.Errorf("Can't find end of end tag at byte offset %d", start)
		}
		return i + 1, name, true, nil, nil
	}
	attrs = map[string]string{}
	for {
		i = skipSpace(text, i)
		if i >= len(text) {
			return 0, "", false, nil, fmt.Errorf("Unclosed start tag at byte offset %d", start)
		}
		if text[i] == '>' {
			return i + 1, name, false, attrs, nil
		}
		attrStart := i
		for i < len(text) && isNameByte(text[i]) {
			i++
		}
		attr := strings.ToLower(text[attrStart:i])
		if attr == "" {
			return 0, "", false, nil, fmt.Errorf("Expected an attribute name at byte offset %d", i)
		}
		i = skipSpace(text, i)
		if i >= len(text) || text[i] != '=' {
			attrs[attr] = ""
			continue
		}
		i = skipSpace(text, i+1)
		if i >= len(text) {
			return 0, "", false, nil, fmt.Errorf("Unclosed start tag at byte offset %d", start)
		}
		var raw string
		if q := text[i]; q == '"' || q == '\'' {
			closeAt := strings.IndexByte(text[i+1:], q)
			if closeAt < 0 {
				return 0, "", false, nil, fmt.Errorf("Unclosed start tag at byte offset %d", start)
			}
			raw = text[i+1 : i+1+closeAt]
			i += closeAt + 2
		} else {
			valStart := i
			for i < len(text) && text[i] != '>' && !isSpace(text[i]) {
				i++
			}
			raw = text[valStart:i]
		}
		val, err := decodeAttr(raw, start)
		if err != nil {
			return 0, "", false, nil, err
		}
		attrs[attr] = val
	}
}

// decodeAttr decodes the entities inside an attribute value; a bare '<' is
// refused there too.
func decodeAttr(raw string, tagAt int) (string, error) {
	var b strings.Builder
	for i := 0; i < len(raw); {
		switch raw[i] {
		case '&':
			d, n, err := scanEntity(raw, i)
			if err != nil {
				return "", fmt.Errorf("%w in the tag at byte offset %d", err, tagAt)
			}
			b.WriteString(d)
			i += n
		case '<':
			return "", fmt.Errorf("Unexpected character '<' in the tag at byte offset %d", tagAt)
		default:
			b.WriteByte(raw[i])
			i++
		}
	}
	return b.String(), nil
}

// scanEntity decodes the character reference at text[start] == '&' and
// returns the decoded text and the number of bytes consumed.
func scanEntity(text string, start int) (string, int, error) {
	semi := strings.IndexByte(text[start:], ';')
	if semi < 2 || semi > 12 {
		return "", 0, fmt.Errorf("Character '&' must be escaped as &amp; at byte offset %d", start)
	}
	body := text[start+1 : start+semi]
	if d, ok := namedEntities[body]; ok {
		return d, semi + 1, nil
	}
	if strings.HasPrefix(body, "#") {
		num, base := body[1:], 10
		if strings.HasPrefix(num, "x") || strings.HasPrefix(num, "X") {
			num, base = num[1:], 16
		}
		if n, err := strconv.ParseUint(num, base, 32); err == nil && n > 0 && utf8.ValidRune(rune(n)) {
			return string(rune(n)), semi + 1, nil
		}
	}
	return "", 0, fmt.Errorf("Unsupported HTML entity %q at byte offset %d", "&"+body+";", start)
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}
