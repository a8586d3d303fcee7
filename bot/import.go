package bot

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/configs"
	"github.com/aajil/aajil/store"
	"github.com/aajil/aajil/telegram"
)

// MaxImportBytes bounds a sources file sent to the bot.
const MaxImportBytes = 256 << 10

// DefaultFileEndpoint is Telegram's file download address, in the
// fmt form of Options.FileEndpoint (token, file path).
const DefaultFileEndpoint = "https://api.telegram.org/file/bot%s/%s"

// errLine splits "line 12: sources[3] …" into its line and the rest.
var errLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// importConfirmTTL is how long an import that asks for confirmation
// waits for the admin's answer.
const importConfirmTTL = 10 * time.Minute

// The buttons of an import's confirmation: cbImport + "ok:" or "no:" +
// the token under which the file waits in Redis.
const (
	cbImport      = "imp:"
	importConfirm = "ok:"
	importCancel  = "no:"
)

// importDocument is a YAML sources file sent by an admin: validated as a
// whole first; on any error nothing changes and every error is listed
// with its line; otherwise the sources become the file's, each change
// audited, and a summary says what was added, changed and removed. A file
// that would remove more than half of the sources (or all of them) is
// kept in Redis and applied only when the admin confirms with a button.
func (b *Bot) importDocument(ctx context.Context, c *cmdContext) error {
	doc := c.msg.Document
	if doc.FileSize > MaxImportBytes {
		return b.reply(ctx, c, T(c.lang, MsgImportTooLarge, MaxImportBytes>>10))
	}
	ext := strings.ToLower(path.Ext(doc.FileName))
	if ext != ".yaml" && ext != ".yml" && !strings.Contains(doc.MimeType, "yaml") {
		return b.reply(ctx, c, T(c.lang, MsgImportNotYAML))
	}
	data, err := b.download(ctx, doc.FileID)
	if err != nil {
		return err
	}
	if len(data) > MaxImportBytes {
		return b.reply(ctx, c, T(c.lang, MsgImportTooLarge, MaxImportBytes>>10))
	}
	cfg, header, problems := b.parseImport(c.lang, data)
	if cfg == nil {
		return b.replyLines(ctx, c, header+"\n", problems)
	}
	plan, err := b.ops.PlanImport(ctx, cfg)
	if err != nil {
		return err
	}
	if !plan.NeedsConfirmation() {
		summary, err := b.applyImport(ctx, c, plan)
		if err != nil {
			return err
		}
		return b.reply(ctx, c, summary)
	}
	token, err := importToken(c.from.ID, data)
	if err != nil {
		return err
	}
	if err := b.st.PutPendingImport(ctx, token, store.PendingImport{Admin: c.from.ID, Data: data}, importConfirmTTL); err != nil {
		return err
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData(Plain(c.lang, MsgButtonImportYes, len(plan.Removed)), cbImport+importConfirm+token),
		tgbotapi.NewInlineKeyboardButtonData(Plain(c.lang, MsgButtonCancel), cbImport+importCancel+token),
	))
	_, err = b.send(ctx, c, T(c.lang, MsgImportConfirm, len(plan.Removed), len(plan.Current), len(plan.Added), len(plan.Changed),
		int(importConfirmTTL/time.Minute)), &kb)
	return err
}

// parseImport parses and checks a sources file. When it has problems,
// cfg is nil, and header and lines say how many and list each with its
// line.
func (b *Bot) parseImport(lang Lang, data []byte) (cfg *configs.Config, header string, lines []string) {
	cfg, err := b.ops.ParseImport(data)
	if err == nil {
		return cfg, "", nil
	}
	msgs := strings.Split(err.Error(), "\n")
	lines = make([]string, 0, len(msgs))
	for _, m := range msgs {
		if g := errLine.FindStringSubmatch(m); g != nil {
			lines = append(lines, T(lang, MsgImportErrorLine, g[1], g[2]))
		} else {
			lines = append(lines, T(lang, MsgImportErrorLine, "—", m))
		}
	}
	return nil, T(lang, MsgImportErrors, len(msgs)), lines
}

// importToken names a pending import: a hash of a random nonce, the
// admin's id and the file, 128 bits in hex (a button holds 64 bytes of
// data). It cannot be guessed, and names one admin's one file: Redis
// keeps that file and admin under it, and only that admin can claim it.
func importToken(admin int64, data []byte) (string, error) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("import token: %w", err)
	}
	h := sha256.New()
	h.Write(nonce)
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(admin)))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// applyImport makes the registry's sources the plan's, each change
// audited, and returns the summary to show. After a Redis error half way
// what was done stays done and audited, and the file can be sent again.
func (b *Bot) applyImport(ctx context.Context, c *cmdContext, p ImportPlan) (string, error) {
	if err := b.ops.ApplyImport(ctx, adminID(c), p); err != nil {
		return "", err
	}
	if p.Changes() == 0 {
		return T(c.lang, MsgImportNoChanges), nil
	}
	return T(c.lang, MsgImportSummary, len(p.Added), len(p.Changed), len(p.Removed)), nil
}

// onImportButton handles the buttons of an import's confirmation, on
// whichever instance gets the press: the file is taken from Redis once,
// by the admin who sent it, and applied or dropped; a press after the
// question expired, or a second press, changes nothing.
func (b *Bot) onImportButton(ctx context.Context, c *cmdContext, q *tgbotapi.CallbackQuery, rest string) error {
	if !b.isBotAdmin(c) {
		return b.answer(ctx, q, "")
	}
	action, token := rest[:min(len(importConfirm), len(rest))], rest[min(len(importConfirm), len(rest)):]
	if action != importConfirm && action != importCancel {
		return b.answer(ctx, q, "")
	}
	pending, err := b.st.ClaimPendingImport(ctx, token, c.from.ID)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrNotYours):
		if err := b.edit(ctx, q.Message, c.framed(T(c.lang, MsgImportExpired)), nil); err != nil {
			return err
		}
		return b.answer(ctx, q, Plain(c.lang, MsgImportExpired))
	case err != nil:
		return err
	}
	text := T(c.lang, MsgImportCancelled)
	if action == importConfirm {
		if text, err = b.confirmImport(ctx, c, pending.Data); err != nil {
			return err
		}
	}
	if err := b.edit(ctx, q.Message, c.framed(text), nil); err != nil {
		return err
	}
	return b.answer(ctx, q, "")
}

// confirmImport applies a confirmed file, planned again against the
// registry as it is now, and returns what to show.
func (b *Bot) confirmImport(ctx context.Context, c *cmdContext, data []byte) (string, error) {
	cfg, header, _ := b.parseImport(c.lang, data)
	if cfg == nil {
		// Valid when asked; only a change of policy makes it
		// invalid now. The count says so; the file can be sent again
		// for the list.
		return header, nil
	}
	plan, err := b.ops.PlanImport(ctx, cfg)
	if err != nil {
		return "", err
	}
	return b.applyImport(ctx, c, plan)
}

// download fetches a file sent to the bot, at most MaxImportBytes+1.
func (b *Bot) download(ctx context.Context, fileID string) ([]byte, error) {
	f, err := telegram.WithContext(ctx, b.api).GetFile(tgbotapi.FileConfig{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("telegram getFile: %w", telegram.RedactToken(err, b.api.Token))
	}
	endpoint := b.opts.FileEndpoint
	if endpoint == "" {
		endpoint = DefaultFileEndpoint
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf(endpoint, b.api.Token, f.FilePath), nil)
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", telegram.RedactToken(err, b.api.Token))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", telegram.RedactToken(err, b.api.Token))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("telegram file: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", telegram.RedactToken(err, b.api.Token))
	}
	return data, nil
}

// FileEndpoint turns a Bot API endpoint in go-telegram-bot-api's form
// ("http://host/bot%s/%s") into the matching file download endpoint.
func FileEndpoint(apiEndpoint string) string {
	if apiEndpoint == "" {
		return DefaultFileEndpoint
	}
	return strings.Replace(apiEndpoint, "/bot%s/%s", "/file/bot%s/%s", 1)
}
