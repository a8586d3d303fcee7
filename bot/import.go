package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/aajil/aajil/configs"
	"github.com/aajil/aajil/feeds"
)

// MaxImportBytes bounds a sources file sent to the bot.
const MaxImportBytes = 256 << 10

// DefaultFileEndpoint is Telegram's file download address, in the
// fmt form of Options.FileEndpoint (token, file path).
const DefaultFileEndpoint = "https://api.telegram.org/file/bot%s/%s"

// actionImport is the audit action of a change made by an import.
const actionImport = "import"

// errLine splits "line 12: sources[3] …" into its line and the rest.
var errLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// importDocument is a YAML sources file sent by an admin: validated as a
// whole first; on any error nothing changes and every error is listed
// with its line; otherwise the sources become the file's, each change
// audited, and a summary says what was added, changed and removed.
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
	cfg, err := configs.ParseSources(data, b.opts.AllowPrivateSources)
	if err != nil {
		msgs := strings.Split(err.Error(), "\n")
		lines := make([]string, 0, len(msgs))
		for _, m := range msgs {
			if g := errLine.FindStringSubmatch(m); g != nil {
				lines = append(lines, T(c.lang, MsgImportErrorLine, g[1], g[2]))
			} else {
				lines = append(lines, T(c.lang, MsgImportErrorLine, "—", m))
			}
		}
		return b.replyLines(ctx, c, T(c.lang, MsgImportErrors, len(msgs))+"\n", lines)
	}

	recs, err := b.st.Sources(ctx)
	if err != nil {
		return err
	}
	current := make(map[string]feeds.Source, len(recs))
	for _, r := range recs {
		current[r.Source.ID] = r.Source
	}
	var added, changed, removed int
	seen := make(map[string]bool, len(cfg.Sources))
	for _, src := range cfg.Sources {
		seen[src.ID] = true
		old, ok := current[src.ID]
		if ok && sameSource(old, src) {
			continue
		}
		if err := b.st.PutSource(ctx, src, b.origin(c)); err != nil {
			return fmt.Errorf("import %s: %w", src.ID, err)
		}
		if ok {
			changed++
			err = b.audit(ctx, c, actionImport, src.ID, &old, &src)
		} else {
			added++
			err = b.audit(ctx, c, actionImport, src.ID, nil, &src)
		}
		if err != nil {
			return err
		}
	}
	for id, old := range current {
		if seen[id] {
			continue
		}
		if err := b.st.DeleteSource(ctx, id, b.origin(c)); err != nil {
			return fmt.Errorf("import: remove %s: %w", id, err)
		}
		removed++
		if err := b.audit(ctx, c, actionImport, id, &old, nil); err != nil {
			return err
		}
	}
	if added+changed+removed == 0 {
		return b.reply(ctx, c, T(c.lang, MsgImportNoChanges))
	}
	return b.reply(ctx, c, T(c.lang, MsgImportSummary, added, changed, removed))
}

// sameSource reports whether two source definitions are equal.
func sameSource(a, b feeds.Source) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// download fetches a file sent to the bot, at most MaxImportBytes+1.
func (b *Bot) download(ctx context.Context, fileID string) ([]byte, error) {
	f, err := WithContext(ctx, b.api).GetFile(tgbotapi.FileConfig{FileID: fileID})
	if err != nil {
		return nil, fmt.Errorf("telegram getFile: %w", RedactToken(err, b.api.Token))
	}
	endpoint := b.opts.FileEndpoint
	if endpoint == "" {
		endpoint = DefaultFileEndpoint
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf(endpoint, b.api.Token, f.FilePath), nil)
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", RedactToken(err, b.api.Token))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", RedactToken(err, b.api.Token))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("telegram file: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("telegram file: %w", RedactToken(err, b.api.Token))
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
