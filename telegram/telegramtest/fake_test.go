package telegramtest

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const (
	tickerFixture = "../../testdata/ticker_excerpt_sana_sy_fa_p20025_tatweel_3ajil.txt"
	rssFixture    = "../../testdata/ar_aljazeera_net_scraped_2026-02-15_with_3ajil.rss"
)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return string(b)
}

// newAPI starts a fake and connects the real tgbotapi client to it.
func newAPI(t *testing.T, opts Options) (*Fake, *tgbotapi.BotAPI) {
	t.Helper()
	f := New(t, opts)
	api, err := tgbotapi.NewBotAPIWithAPIEndpoint(f.Token(), f.Endpoint())
	if err != nil {
		t.Fatalf("NewBotAPIWithAPIEndpoint: %v", err)
	}
	return f, api
}

func tgError(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	var e *tgbotapi.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *tgbotapi.Error", err)
	}
	return e
}

func TestGetMe(t *testing.T) {
	f, api := newAPI(t, Options{BotUsername: "aajil_news_bot"})
	if got, want := api.Self.UserName, "aajil_news_bot"; got != want {
		t.Errorf("username = %q, want %q", got, want)
	}
	if !api.Self.IsBot {
		t.Errorf("IsBot = false, want true")
	}
	_, err := tgbotapi.NewBotAPIWithAPIEndpoint("42:wrong", f.Endpoint())
	e := tgError(t, err)
	if e.Code != http.StatusUnauthorized || e.Message != "Unauthorized" {
		t.Errorf("wrong token: got %d %q, want 401 %q", e.Code, e.Message, "Unauthorized")
	}
}

func TestGetUpdatesConfirmsWithOffset(t *testing.T) {
	f, api := newAPI(t, Options{})
	chat, user := PrivateChat(42), User{ID: 42, FirstName: "Rama", LanguageCode: "ar"}
	f.SendText(chat, user, "/start@aajil_test_bot")
	f.SendText(chat, user, "/add «عاجل» دمشق")
	f.SendText(chat, user, "مرحبا")

	ups, err := api.GetUpdates(tgbotapi.UpdateConfig{Limit: 2})
	if err != nil {
		t.Fatalf("GetUpdates: %v", err)
	}
	if len(ups) != 2 {
		t.Fatalf("got %d updates, want 2 (limit)", len(ups))
	}
	if got := ups[0].Message.Command(); got != "start" {
		t.Errorf("command = %q, want %q", got, "start")
	}
	if got, want := ups[1].Message.CommandArguments(), "«عاجل» دمشق"; got != want {
		t.Errorf("arguments = %q, want %q", got, want)
	}
	if got := ups[0].Message.From.LanguageCode; got != "ar" {
		t.Errorf("language_code = %q, want ar", got)
	}
	// Without an offset nothing is confirmed: the same updates come again.
	again, err := api.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil {
		t.Fatalf("GetUpdates: %v", err)
	}
	if len(again) != 3 || again[0].UpdateID != ups[0].UpdateID {
		t.Fatalf("got %d updates from %d, want 3 from %d", len(again), again[0].UpdateID, ups[0].UpdateID)
	}
	rest, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: ups[1].UpdateID + 1})
	if err != nil {
		t.Fatalf("GetUpdates: %v", err)
	}
	if len(rest) != 1 || rest[0].Message.Text != "مرحبا" || rest[0].Message.IsCommand() {
		t.Fatalf("after offset got %+v, want the one plain message", rest)
	}
	if _, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: rest[0].UpdateID + 1}); err != nil {
		t.Fatalf("GetUpdates: %v", err)
	}
	if got := f.Pending(); got != 0 {
		t.Errorf("pending = %d, want 0", got)
	}
}

func TestLongPollReturnsTheUpdate(t *testing.T) {
	f, api := newAPI(t, Options{})
	got := make(chan []tgbotapi.Update, 1)
	go func() {
		ups, _ := api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 10})
		got <- ups
	}()
	f.SendText(Group(-1001, "news"), User{ID: 7, FirstName: "Omar"}, "/status")
	ups := <-got
	if len(ups) != 1 || ups[0].Message.Chat.ID != -1001 || !ups[0].Message.Chat.IsSuperGroup() {
		t.Fatalf("got %+v, want the /status from the supergroup", ups)
	}
}

func TestLongPollTimesOutEmpty(t *testing.T) {
	_, api := newAPI(t, Options{})
	ups, err := api.GetUpdates(tgbotapi.UpdateConfig{Timeout: 1})
	if err != nil || len(ups) != 0 {
		t.Fatalf("got %v, %v; want no updates, no error", ups, err)
	}
}

func TestSendMessageRecords(t *testing.T) {
	f, api := newAPI(t, Options{})
	msg := tgbotapi.NewMessage(42, "<b>🔴 عاجل</b> &lt;دمشق&gt; &amp; <a href=\"https://sana.sy/?p=1&amp;x=2\">SANA</a>")
	msg.ParseMode = tgbotapi.ModeHTML
	msg.DisableWebPagePreview = true
	msg.ReplyToMessageID = 3
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("نعم", "clear:yes")))
	sent, err := api.Send(msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := f.Sent(42)
	if len(got) != 1 {
		t.Fatalf("sent %d messages, want 1", len(got))
	}
	s := got[0]
	if s.MessageID != sent.MessageID || s.Text != msg.Text || s.ParseMode != "HTML" || !s.DisableWebPagePreview || s.ReplyToMessageID != 3 {
		t.Errorf("recorded %+v, want message %d with the text, HTML, no preview, reply to 3", s, sent.MessageID)
	}
	if !strings.Contains(s.ReplyMarkup, `"callback_data":"clear:yes"`) {
		t.Errorf("reply_markup = %s, want the button's callback_data", s.ReplyMarkup)
	}
	calls := f.Calls("sendmessage")
	if len(calls) != 1 || calls[0].Int("chat_id") != 42 || calls[0].Status != http.StatusOK {
		t.Errorf("calls = %+v, want one sendMessage to 42 answered 200", calls)
	}
}

func TestSendMessageJSONBody(t *testing.T) {
	f := New(t, Options{})
	body := `{"chat_id":42,"text":"hello","link_preview_options":{"is_disabled":true},"reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"x"}]]}}`
	resp, err := f.Client().Post(f.URL()+"/bot"+f.Token()+"/sendMessage", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	s := f.Sent(42)
	if len(s) != 1 || s[0].Text != "hello" || s[0].LinkPreviewOptions != `{"is_disabled":true}` {
		t.Fatalf("recorded %+v, want hello with link_preview_options kept as JSON", s)
	}
}

func TestSendMessageValidation(t *testing.T) {
	ticker := readFixture(t, tickerFixture)
	rss := readFixture(t, rssFixture)
	tests := map[string]struct {
		text, parseMode, markup string
		wantErr                 string // "" = accepted
	}{
		"escaped ticker":        {text: html.EscapeString(ticker), parseMode: "HTML"},
		"numeric entity":        {text: "&#1593;&#x627;&#1580;&#1604;", parseMode: "HTML"},
		"nested tags":           {text: "<b>a <i>b <u>c</u></i></b> <tg-spoiler>d</tg-spoiler> <pre><code>e</code></pre>", parseMode: "HTML"},
		"no parse mode raw <":   {text: "a < b & c", parseMode: ""},
		"bare less-than":        {text: "a < b", parseMode: "HTML", wantErr: "can't parse entities"},
		"bare ampersand":        {text: "Q&A", parseMode: "HTML", wantErr: "can't parse entities"},
		"bare greater-than":     {text: "a > b", parseMode: "HTML", wantErr: "can't parse entities"},
		"unknown named entity":  {text: "&nbsp;", parseMode: "HTML", wantErr: "can't parse entities"},
		"unsupported tag":       {text: "<div>x</div>", parseMode: "HTML", wantErr: "Unsupported start tag"},
		"raw feed markup":       {text: rss[:2000], parseMode: "HTML", wantErr: "can't parse entities"},
		"unclosed tag":          {text: "<b>x", parseMode: "HTML", wantErr: "Can't find end tag"},
		"crossed tags":          {text: "<b><i>x</b></i>", parseMode: "HTML", wantErr: "Unmatched end tag"},
		"link without href":     {text: "<a>x</a>", parseMode: "HTML", wantErr: "can't parse entities"},
		"empty after tags":      {text: "<b> </b>", parseMode: "HTML", wantErr: "message text is empty"},
		"empty":                 {text: " ", wantErr: "message text is empty"},
		"4096 after entities":   {text: strings.Repeat("&amp;", 4096), parseMode: "HTML"},
		"4097 after entities":   {text: strings.Repeat("&amp;", 4097), parseMode: "HTML", wantErr: "message is too long"},
		"emoji count twice":     {text: strings.Repeat("🔴", 2049), wantErr: "message is too long"},
		"2048 emoji fit":        {text: strings.Repeat("🔴", 2048)},
		"escaped feed too long": {text: html.EscapeString(rss), parseMode: "HTML", wantErr: "message is too long"},
		"bad markup":            {text: "x", markup: `{"inline_keyboard":[[{"text":"a","callback_data":"` + strings.Repeat("x", 65) + `"}]]}`, wantErr: "BUTTON_DATA_INVALID"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f := New(t, Options{})
			form := map[string][]string{"chat_id": {"42"}, "text": {tc.text}, "parse_mode": {tc.parseMode}}
			if tc.markup != "" {
				form["reply_markup"] = []string{tc.markup}
			}
			resp, err := f.Client().PostForm(f.URL()+"/bot"+f.Token()+"/sendMessage", form)
			if err != nil {
				t.Fatalf("post: %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tc.wantErr == "" {
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("got %d %s, want 200", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tc.wantErr) {
				t.Fatalf("got %d %s, want 400 containing %q", resp.StatusCode, body, tc.wantErr)
			}
			if n := len(f.Sent(42)); n != 0 {
				t.Errorf("sent %d messages after a refusal, want 0", n)
			}
		})
	}
}

func TestFailNext(t *testing.T) {
	tests := map[string]struct {
		fail      Failure
		retry     int
		migrateTo int64
	}{
		"429":        {fail: TooManyRequests(7), retry: 7},
		"blocked":    {fail: Blocked()},
		"not found":  {fail: ChatNotFound()},
		"migrated":   {fail: Migrated(-1009876), migrateTo: -1009876},
		"500":        {fail: ServerError(http.StatusInternalServerError)},
		"502":        {fail: ServerError(http.StatusBadGateway)},
		"convenient": {fail: Failure{Code: 429, Description: "Too Many Requests: retry after 3", RetryAfter: 3}, retry: 3},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, api := newAPI(t, Options{})
			if name == "convenient" {
				f.FailNext("sendMessage", tc.fail.Code, tc.fail.Description, tc.fail.RetryAfter)
			} else {
				f.FailNextWith("sendMessage", tc.fail)
			}
			_, err := api.Send(tgbotapi.NewMessage(42, "x"))
			e := tgError(t, err)
			if e.Code != tc.fail.Code || e.Message != tc.fail.Description || e.RetryAfter != tc.retry || e.MigrateToChatID != tc.migrateTo {
				t.Errorf("got %d %q retry %d migrate %d, want %d %q retry %d migrate %d",
					e.Code, e.Message, e.RetryAfter, e.MigrateToChatID, tc.fail.Code, tc.fail.Description, tc.retry, tc.migrateTo)
			}
			if n := len(f.Sent(42)); n != 0 {
				t.Errorf("failed send delivered %d messages, want 0", n)
			}
			if _, err := api.Send(tgbotapi.NewMessage(42, "x")); err != nil {
				t.Fatalf("second send: %v, want success (FailNext is once)", err)
			}
		})
	}
}

func TestPersistentFailures(t *testing.T) {
	f, api := newAPI(t, Options{})
	f.FailChat(7, Blocked())
	f.FailAlways("getChat", ServerError(http.StatusBadGateway))
	for range 2 {
		if _, err := api.Send(tgbotapi.NewMessage(7, "x")); tgError(t, err).Code != http.StatusForbidden {
			t.Fatalf("send to blocked chat: %v, want 403", err)
		}
		if _, err := api.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: 7}}); tgError(t, err).Code != http.StatusBadGateway {
			t.Fatalf("getChat: %v, want 502", err)
		}
	}
	if _, err := api.Send(tgbotapi.NewMessage(8, "x")); err != nil {
		t.Fatalf("send to another chat: %v", err)
	}
	f.ClearFailures()
	if _, err := api.Send(tgbotapi.NewMessage(7, "x")); err != nil {
		t.Fatalf("send after ClearFailures: %v", err)
	}
}

func TestDocuments(t *testing.T) {
	f, api := newAPI(t, Options{})
	yaml := []byte("sources:\n  - id: sana\n    url: https://sana.sy/?feed=rss2\n")
	doc := tgbotapi.NewDocument(42, tgbotapi.FileBytes{Name: "aajil.yaml", Bytes: yaml})
	doc.Caption = "<b>export</b>"
	doc.ParseMode = tgbotapi.ModeHTML
	if _, err := api.Send(doc); err != nil {
		t.Fatalf("send document: %v", err)
	}
	s := f.Sent(42)
	if len(s) != 1 || s[0].Document == nil || s[0].Document.Name != "aajil.yaml" || string(s[0].Document.Data) != string(yaml) || s[0].Text != "<b>export</b>" {
		t.Fatalf("recorded %+v, want aajil.yaml with its bytes and caption", s)
	}

	f.SendDocument(PrivateChat(42), User{ID: 42, FirstName: "Admin"}, "import.yaml", "application/x-yaml", yaml, "")
	ups, err := api.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 || ups[0].Message.Document == nil {
		t.Fatalf("GetUpdates: %v %+v, want one document", err, ups)
	}
	file, err := api.GetFile(tgbotapi.FileConfig{FileID: ups[0].Message.Document.FileID})
	if err != nil {
		t.Fatalf("GetFile: %v", err)
	}
	resp, err := f.Client().Get(strings.Replace(strings.Replace(f.FileEndpoint(), "%s", f.Token(), 1), "%s", file.FilePath, 1))
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != string(yaml) || file.FileSize != len(yaml) {
		t.Errorf("downloaded %q (size %d), want %q", got, file.FileSize, yaml)
	}
}

func TestCallbackAndEdit(t *testing.T) {
	f, api := newAPI(t, Options{})
	chat, user := PrivateChat(42), User{ID: 42, FirstName: "Rama"}
	msg := tgbotapi.NewMessage(42, "امسح كل القواعد؟")
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("نعم", "clear:yes")))
	sent, err := api.Send(msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	id := f.SendCallback(chat, user, sent.MessageID, "clear:yes")
	ups, err := api.GetUpdates(tgbotapi.UpdateConfig{})
	if err != nil || len(ups) != 1 || ups[0].CallbackQuery == nil {
		t.Fatalf("GetUpdates: %v %+v, want one callback", err, ups)
	}
	cq := ups[0].CallbackQuery
	if cq.ID != id || cq.Data != "clear:yes" || cq.Message == nil || cq.Message.MessageID != sent.MessageID || cq.Message.ReplyMarkup == nil {
		t.Errorf("callback %+v, want id %s on message %d with its keyboard", cq, id, sent.MessageID)
	}
	if _, err := api.Request(tgbotapi.NewCallback(id, "تم")); err != nil {
		t.Fatalf("answerCallbackQuery: %v", err)
	}
	if _, err := api.Request(tgbotapi.NewCallback(id, "تم")); tgError(t, err).Code != http.StatusBadRequest {
		t.Errorf("second answer: %v, want 400", err)
	}

	edit := tgbotapi.NewEditMessageText(42, sent.MessageID, "تم المسح")
	if _, err := api.Send(edit); err != nil {
		t.Fatalf("edit: %v", err)
	}
	if s := f.Sent(42); s[0].Text != "تم المسح" || s[0].Edits != 1 {
		t.Errorf("after edit %+v, want the new text and one edit", s[0])
	}
	for name, cfg := range map[string]tgbotapi.EditMessageTextConfig{
		"not modified": tgbotapi.NewEditMessageText(42, sent.MessageID, "تم المسح"),
		"not found":    tgbotapi.NewEditMessageText(42, 999, "x"),
	} {
		if _, err := api.Send(cfg); tgError(t, err).Code != http.StatusBadRequest {
			t.Errorf("%s: %v, want 400", name, err)
		}
	}
}

// TestEditReplyMarkup: editMessageReplyMarkup changes the keyboard and
// keeps the text; the same keyboard again is "not modified".
func TestEditReplyMarkup(t *testing.T) {
	f, api := newAPI(t, Options{})
	msg := tgbotapi.NewMessage(42, "<b>alert</b>")
	msg.ParseMode = tgbotapi.ModeHTML
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Mute", "am:sana")))
	sent, err := api.Send(msg)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	undo := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Undo", "au:sana")))
	if _, err := api.Request(tgbotapi.NewEditMessageReplyMarkup(42, sent.MessageID, undo)); err != nil {
		t.Fatalf("editMessageReplyMarkup: %v", err)
	}
	got := f.Sent(42)[0]
	if got.Text != "<b>alert</b>" || got.ParseMode != "HTML" || !strings.Contains(got.ReplyMarkup, "au:sana") || got.Edits != 1 {
		t.Errorf("after the edit %+v, want the text kept and the Undo keyboard", got)
	}
	tooLong := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("x", strings.Repeat("d", MaxCallbackDataLength+1))))
	for name, cfg := range map[string]tgbotapi.EditMessageReplyMarkupConfig{
		"not modified":       tgbotapi.NewEditMessageReplyMarkup(42, sent.MessageID, undo),
		"not found":          tgbotapi.NewEditMessageReplyMarkup(42, 999, undo),
		"data over 64 bytes": tgbotapi.NewEditMessageReplyMarkup(42, sent.MessageID, tooLong),
	} {
		if _, err := api.Request(cfg); tgError(t, err).Code != http.StatusBadRequest {
			t.Errorf("%s: %v, want 400", name, err)
		}
	}
}

func TestChatsMembersCommands(t *testing.T) {
	f, api := newAPI(t, Options{})
	f.SetChat(Channel(-100777, "sana_alerts"))
	f.SetChatMember(-100777, 42, "administrator")
	tests := map[string]struct {
		chat       tgbotapi.ChatConfigWithUser
		wantStatus string
	}{
		"admin by id":       {tgbotapi.ChatConfigWithUser{ChatID: -100777, UserID: 42}, "administrator"},
		"admin by username": {tgbotapi.ChatConfigWithUser{SuperGroupUsername: "@sana_alerts", UserID: 42}, "administrator"},
		"unset is member":   {tgbotapi.ChatConfigWithUser{ChatID: -100777, UserID: 43}, "member"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := api.GetChatMember(tgbotapi.GetChatMemberConfig{ChatConfigWithUser: tc.chat})
			if err != nil || m.Status != tc.wantStatus {
				t.Errorf("got %q, %v; want %q", m.Status, err, tc.wantStatus)
			}
		})
	}
	c, err := api.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{SuperGroupUsername: "@sana_alerts"}})
	if err != nil || c.ID != -100777 || !c.IsChannel() {
		t.Errorf("getChat @sana_alerts = %+v, %v; want the channel", c, err)
	}
	if _, err := api.GetChat(tgbotapi.ChatInfoConfig{ChatConfig: tgbotapi.ChatConfig{ChatID: 5}}); tgError(t, err).Message != "Bad Request: chat not found" {
		t.Errorf("unknown chat: %v, want chat not found", err)
	}

	cfg := tgbotapi.NewSetMyCommandsWithScopeAndLanguage(tgbotapi.NewBotCommandScopeDefault(), "ar", tgbotapi.BotCommand{Command: "start", Description: "الاشتراك"})
	if _, err := api.Request(cfg); err != nil {
		t.Fatalf("setMyCommands: %v", err)
	}
	if got := f.Commands("ar"); !strings.Contains(got, "الاشتراك") || f.Commands("") != "" {
		t.Errorf("commands ar = %s, default = %q; want the Arabic list only", got, f.Commands(""))
	}
	bad := tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "Add-Feed", Description: "x"})
	if _, err := api.Request(bad); tgError(t, err).Message != "Bad Request: BOT_COMMAND_INVALID" {
		t.Errorf("invalid command: %v, want BOT_COMMAND_INVALID", err)
	}
	for _, m := range []string{"deleteWebhook", "getWebhookInfo"} {
		if _, err := api.MakeRequest(m, nil); err != nil {
			t.Errorf("%s: %v", m, err)
		}
	}
}

func TestPhotos(t *testing.T) {
	// Windows of an hour: the test does not depend on how fast it runs.
	f, api := newAPI(t, Options{Limits: Limits{Overall: Limit{N: 4, Per: time.Hour}, PrivateChat: Limit{N: 3, Per: time.Hour}}})
	const pic, bad = "https://cdn.example.org/a.jpg", "https://cdn.example.org/gone.jpg"
	photo := tgbotapi.NewPhoto(42, tgbotapi.FileURL(pic))
	photo.Caption, photo.ParseMode = "<b>عاجل</b> انفجار في دمشق", tgbotapi.ModeHTML
	sent, err := api.Send(photo)
	if err != nil {
		t.Fatalf("sendPhoto: %v", err)
	}
	if len(sent.Photo) == 0 || sent.Caption != photo.Caption || sent.Text != "" {
		t.Errorf("answer %+v, want a photo message with its caption", sent)
	}
	if s := f.Sent(42); len(s) != 1 || s[0].Photo != pic || s[0].Text != photo.Caption {
		t.Fatalf("recorded %+v, want the photo %s with its caption", s, pic)
	}

	long := tgbotapi.NewPhoto(42, tgbotapi.FileURL(pic))
	long.Caption = strings.Repeat("ا", MaxCaptionLength+1)
	if _, err := api.Send(long); tgError(t, err).Message != "Bad Request: message caption is too long" {
		t.Errorf("a long caption: %v, want caption too long", err)
	}

	f.RefusePhoto(bad, "")
	refused := tgbotapi.NewPhoto(42, tgbotapi.FileURL(bad))
	if e := tgError(t, func() error { _, err := api.Send(refused); return err }()); e.Code != http.StatusBadRequest ||
		e.Message != "Bad Request: wrong file identifier/HTTP URL specified" {
		t.Errorf("refused photo: %d %q, want 400 wrong file identifier/HTTP URL specified", e.Code, e.Message)
	}
	f.RefusePhoto(bad, "IMAGE_PROCESS_FAILED")
	if _, err := api.Send(refused); tgError(t, err).Message != "Bad Request: IMAGE_PROCESS_FAILED" {
		t.Errorf("refused photo: %v, want IMAGE_PROCESS_FAILED", err)
	}
	// Three sends counted in the chat: the photo and the two refused.
	if _, err := api.Send(tgbotapi.NewMessage(42, "x")); tgError(t, err).Code != http.StatusTooManyRequests {
		t.Errorf("a fourth send to the chat: %v, want 429", err)
	}
	if got := f.StatusCount("sendPhoto", http.StatusBadRequest); got != 3 {
		t.Errorf("sendPhoto 400s = %d, want 3", got)
	}

	edit := tgbotapi.NewEditMessageCaption(42, sent.MessageID, "<b>عاجل</b> انفجار في دمشق\n➕ سانا")
	edit.ParseMode = tgbotapi.ModeHTML
	if _, err := api.Send(edit); err != nil {
		t.Fatalf("editMessageCaption: %v", err)
	}
	if s := f.Sent(42); s[0].Text != edit.Caption || s[0].Edits != 1 {
		t.Errorf("after the edit %+v, want the new caption and one edit", s[0])
	}
	if _, err := api.Send(edit); !strings.Contains(tgError(t, err).Message, "message is not modified") {
		t.Errorf("the same caption again: %v, want not modified", err)
	}
	if _, err := api.Send(tgbotapi.NewEditMessageText(42, sent.MessageID, "x")); tgError(t, err).Message != "Bad Request: there is no text in the message to edit" {
		t.Errorf("editMessageText of a photo: %v, want no text to edit", err)
	}
	f.ClearFailures()
	text, err := api.Send(tgbotapi.NewMessage(7, "x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Send(tgbotapi.NewEditMessageCaption(7, text.MessageID, "y")); tgError(t, err).Message != "Bad Request: there is no caption in the message to edit" {
		t.Errorf("editMessageCaption of a text: %v, want no caption to edit", err)
	}
}

// With Limits.Edits, an edit counts towards the limits as a send does.
func TestLimitedEdits(t *testing.T) {
	f, api := newAPI(t, Options{Limits: Limits{PrivateChat: Limit{N: 2, Per: time.Hour}, Edits: true}})
	photo := tgbotapi.NewPhoto(42, tgbotapi.FileURL("https://cdn.example.org/a.jpg"))
	photo.Caption = "a"
	sent, err := api.Send(photo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Send(tgbotapi.NewEditMessageCaption(42, sent.MessageID, "b")); err != nil {
		t.Fatalf("first edit: %v", err)
	}
	if _, err := api.Send(tgbotapi.NewEditMessageCaption(42, sent.MessageID, "c")); tgError(t, err).Code != http.StatusTooManyRequests {
		t.Errorf("an edit over the chat's limit: %v, want 429", err)
	}
	if got := f.Sent(42)[0].Text; got != "b" {
		t.Errorf("caption %q, want b (the refused edit not applied)", got)
	}
}

func TestLimits(t *testing.T) {
	// Windows of an hour: the test does not depend on how fast it runs.
	f, api := newAPI(t, Options{Limits: Limits{
		Overall:     Limit{N: 3, Per: time.Hour},
		PrivateChat: Limit{N: 1, Per: time.Hour},
		Group:       Limit{N: 2, Per: time.Hour},
	}})
	steps := []struct {
		chat int64
		want int // 0 = sent, else the error code
	}{
		{1, 0}, {1, 429}, {-100, 0}, {-100, 0}, {-100, 429}, {2, 429}, // overall full
	}
	for i, s := range steps {
		_, err := api.Send(tgbotapi.NewMessage(s.chat, "x"))
		if s.want == 0 {
			if err != nil {
				t.Fatalf("step %d to %d: %v, want sent", i, s.chat, err)
			}
			continue
		}
		e := tgError(t, err)
		if e.Code != s.want || e.RetryAfter <= 0 {
			t.Fatalf("step %d to %d: %d retry %d, want %d with retry_after", i, s.chat, e.Code, e.RetryAfter, s.want)
		}
	}
	if got := f.SentChats(); len(got) != 2 || got[0] != -100 || got[1] != 1 {
		t.Errorf("chats sent to = %v, want [-100 1]", got)
	}
}

func TestRandomFailures(t *testing.T) {
	t.Run("5xx", func(t *testing.T) {
		f, api := newAPI(t, Options{Random: RandomFailures{Rate: 1, Seed: 1}})
		for range 5 {
			_, err := api.Send(tgbotapi.NewMessage(42, "x"))
			if c := tgError(t, err).Code; c != 500 && c != 502 {
				t.Fatalf("code %d, want 500 or 502", c)
			}
		}
		if n := len(f.Sent(42)); n != 0 {
			t.Errorf("sent %d, want 0", n)
		}
	})
	t.Run("timeout delivers", func(t *testing.T) {
		f := New(t, Options{Random: RandomFailures{Rate: 1, TimeoutShare: 1, Seed: 1}})
		api, err := tgbotapi.NewBotAPIWithClient(f.Token(), f.Endpoint(), &http.Client{Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		if _, err := api.Send(tgbotapi.NewMessage(42, "x")); err == nil {
			t.Fatalf("send succeeded, want a client timeout")
		}
		if n := len(f.Sent(42)); n != 1 {
			t.Errorf("sent %d, want 1: a timeout is ambiguous, the message went out", n)
		}
	})
}

func TestWaitSent(t *testing.T) {
	f, api := newAPI(t, Options{})
	go func() {
		for range 3 {
			_, _ = api.Send(tgbotapi.NewMessage(42, "x"))
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := f.WaitSent(ctx, 42, 3)
	if err != nil || len(got) < 3 {
		t.Fatalf("WaitSent: %d, %v; want 3", len(got), err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := f.WaitSent(short, 42, 4); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitSent for a 4th: %v, want deadline exceeded", err)
	}
}

// FuzzParseHTML checks the HTML validator: it never panics, escaped text is
// always accepted and comes back unchanged, and accepted text is measured
// on valid UTF-8.
func FuzzParseHTML(f *testing.F) {
	f.Add(readFixture(f, tickerFixture))
	f.Add(readFixture(f, rssFixture)[:3000])
	f.Add("<b>عاجل</b> &amp; <a href='x'>y</a>")
	f.Add("&#x1F534; <pre><code>x</code></pre>")
	f.Fuzz(func(t *testing.T, s string) {
		plain, err := parseHTML(s)
		if err == nil && utf8.ValidString(s) && !utf8.ValidString(plain) {
			t.Errorf("parseHTML(%q) = %q, not valid UTF-8", s, plain)
		}
		got, err := parseHTML(html.EscapeString(s))
		if err != nil {
			t.Fatalf("escaped text refused: %v", err)
		}
		if got != s {
			t.Errorf("escaped round trip = %q, want %q", got, s)
		}
	})
}
