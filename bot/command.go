package bot

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aajil/aajil/telegram/tgtext"
)

// MaxCommandLen is the longest command name Telegram accepts.
const MaxCommandLen = 32

// Command is a bot command found at the start of a message.
type Command struct {
	// Name is the command without its slash and bot mention, in lower
	// case: "start", "add", "addfeed". It is any [a-z0-9_]{1,32}; an
	// unknown name is the handler's business.
	Name string
	// Mention is the bot username the command was addressed to
	// (/start@AajilBot), as written, or "" when there was none.
	Mention string
	// Args is everything after the command and the whitespace that
	// follows it, as written: /add takes it whole as a rule. It is
	// cleaned (see tgtext.StripControls) and has no leading or trailing
	// whitespace or bidi marks.
	Args string
}

// KeyValues splits the command's arguments with ParseKeyValues.
func (c Command) KeyValues() (positional []string, kv map[string]string, err error) {
	return ParseKeyValues(c.Args)
}

// ParseCommand reads the command at the start of text. botUsername is this
// bot's username, with or without its @; a command addressed to another
// bot (/start@otherbot, common in groups with several bots) is not ours and
// gives ok=false, as does text that does not start with a slash and a
// command name. When botUsername is empty any mention is accepted.
//
// Phones insert invisible characters: Arabic keyboards put RLM/LRM/ALM or
// bidi isolates before the slash, some clients a BOM. Those, whitespace
// and NBSP are skipped before the slash; the command name itself must be
// ASCII letters, digits and underscores (Telegram's own rule), matched
// case-insensitively. The name ends at whitespace, at "@", or at the end of
// the text; anything else glued to it (/start!, /usr/bin) is not a command.
func ParseCommand(text, botUsername string) (cmd Command, ok bool) {
	s := tgtext.StripControls(text)
	s = strings.TrimLeftFunc(s, isIgnorable)
	rest, found := strings.CutPrefix(s, "/")
	if !found {
		return Command{}, false
	}
	// A mark typed between the slash and the name is as invisible as
	// one before the slash.
	rest = strings.TrimLeftFunc(rest, isFormat)
	n := 0
	for n < len(rest) && n <= MaxCommandLen && isCommandByte(rest[n]) {
		n++
	}
	if n == 0 || n > MaxCommandLen {
		return Command{}, false
	}
	cmd.Name = strings.ToLower(rest[:n])
	rest = rest[n:]
	if after, found := strings.CutPrefix(rest, "@"); found {
		m := 0
		for m < len(after) && isCommandByte(after[m]) {
			m++
		}
		if m == 0 {
			return Command{}, false
		}
		cmd.Mention = after[:m]
		rest = after[m:]
		want := strings.TrimPrefix(botUsername, "@")
		if want != "" && !strings.EqualFold(cmd.Mention, want) {
			return Command{}, false
		}
	}
	if rest != "" {
		r, _ := utf8.DecodeRuneInString(rest)
		if !unicode.IsSpace(r) && !isFormat(r) {
			return Command{}, false
		}
	}
	cmd.Args = strings.TrimFunc(rest, isIgnorable)
	return cmd, true
}

// isCommandByte reports the bytes allowed in a command name or username.
func isCommandByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// isFormat reports invisible format characters: bidi marks (LRM, RLM, ALM
// U+061C), embeddings and isolates, zero-width spaces and joiners, the BOM.
func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

// isIgnorable reports what may surround a command or its arguments without
// meaning anything: whitespace (NBSP included) and format characters.
func isIgnorable(r rune) bool { return unicode.IsSpace(r) || isFormat(r) }

// ArgsErrorCode says what is wrong with key=value arguments.
type ArgsErrorCode string

// Argument error codes.
const (
	// ErrArgsUnbalancedQuote: a quote opened at Pos is never closed.
	ErrArgsUnbalancedQuote ArgsErrorCode = "unbalanced_quote"
	// ErrArgsTextAfterQuote: text at Pos is glued to a closing quote
	// instead of being separated by a space (`name="a"b`).
	ErrArgsTextAfterQuote ArgsErrorCode = "text_after_quote"
	// ErrArgsDuplicateKey: Key is given twice.
	ErrArgsDuplicateKey ArgsErrorCode = "duplicate_key"
)

// ArgsError is the error returned by ParseKeyValues.
type ArgsError struct {
	Code ArgsErrorCode
	// Pos is the character (rune) offset of the problem in the
	// arguments, or -1.
	Pos int
	// Key is the duplicated key, for ErrArgsDuplicateKey.
	Key string
}

// Error returns an English message; replies use ArgsErrorMessage.
func (e *ArgsError) Error() string {
	switch e.Code {
	case ErrArgsUnbalancedQuote:
		return fmt.Sprintf("parse arguments: quote at character %d is not closed", e.Pos+1)
	case ErrArgsTextAfterQuote:
		return fmt.Sprintf("parse arguments: text right after a closing quote at character %d", e.Pos+1)
	case ErrArgsDuplicateKey:
		return fmt.Sprintf("parse arguments: key %q given twice", e.Key)
	}
	return "parse arguments: " + string(e.Code)
}

// quoteClass returns which closing quotes end a value opened by r, or 0
// when r opens nothing. Phones replace typed quotes with typographic
// ones (iOS "smart punctuation"), so “…” and ‘…’ work like "…" and '…'.
func quoteClass(r rune) byte {
	switch r {
	case '"', '“', '”', '„', '‟':
		return '"'
	case '\'', '‘', '’', '‚', '‛':
		return '\''
	}
	return 0
}

// ParseKeyValues splits command arguments such as
//
//	https://example.com/news kind=html item=".news li" marker='.urgent'
//
// into positional arguments (the URL) and key=value pairs. Arguments are
// separated by whitespace. A key is an ASCII letter or underscore followed
// by letters, digits, underscores or hyphens, and is returned in lower
// case; a word whose text before its first "=" is not a key (a URL with a
// query string) is positional. A value, or a whole positional argument,
// may be quoted with " or ' (or their typographic forms) to hold spaces;
// a quote opens only at the start of an argument or right after "=", so
// apostrophes inside words are literal. There are no escapes: a value
// holding " is quoted with ', and the other way round. Format characters
// (bidi marks) outside quotes are dropped; inside quotes the text is kept
// as written. An empty value (kind=) is allowed and returned as "".
//
// Errors are *ArgsError: an unclosed quote, text glued after a closing
// quote, or a key given twice.
func ParseKeyValues(args string) (positional []string, kv map[string]string, err error) {
	s := tgtext.StripControls(args)
	kv = map[string]string{}
	pos := 0 // rune offset of i
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isIgnorable(r) {
			i += size
			pos++
			continue
		}
		// One argument: an unquoted run up to an "=", then a value.
		var word strings.Builder
		key := ""
		isKV := false
		quoted := false
	arg:
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case unicode.IsSpace(r):
				break arg
			case isFormat(r):
				// Dropped outside quotes.
			case r == '=' && !isKV && !quoted && validKey(word.String()):
				key = strings.ToLower(word.String())
				isKV = true
				word.Reset()
			case quoteClass(r) != 0 && word.Len() == 0 && !quoted:
				value, n, runes, qerr := readQuoted(s[i:], pos)
				if qerr != nil {
					return nil, nil, qerr
				}
				word.WriteString(value)
				quoted = true
				i += n
				pos += runes
				continue
			case quoted:
				// Only a space may follow a closing quote.
				return nil, nil, &ArgsError{Code: ErrArgsTextAfterQuote, Pos: pos}
			default:
				word.WriteRune(r)
			}
			i += size
			pos++
		}
		if !isKV {
			if word.Len() > 0 || quoted {
				positional = append(positional, word.String())
			}
			continue
		}
		if _, dup := kv[key]; dup {
			return nil, nil, &ArgsError{Code: ErrArgsDuplicateKey, Pos: -1, Key: key}
		}
		kv[key] = word.String()
	}
	return positional, kv, nil
}

// readQuoted reads a quoted value at the start of s, whose rune offset is
// pos. It returns the value, the bytes and runes consumed (quotes
// included).
func readQuoted(s string, pos int) (value string, n, runes int, err error) {
	open, size := utf8.DecodeRuneInString(s)
	class := quoteClass(open)
	n, runes = size, 1
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if quoteClass(r) == class {
			return s[size:n], n + size, runes + 1, nil
		}
		n += size
		runes++
	}
	return "", 0, 0, &ArgsError{Code: ErrArgsUnbalancedQuote, Pos: pos}
}

// validKey reports whether k can be a key: [A-Za-z_][A-Za-z0-9_-]*.
func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !isCommandByte(c) && !(c == '-' && i > 0) {
			return false
		}
		if i == 0 && c >= '0' && c <= '9' {
			return false
		}
	}
	return true
}

// QuoteArg returns s written so that ParseKeyValues reads it back as one
// argument or value: as is when it needs no quotes, else in " or ' quotes.
// ok is false when s holds both kinds of quote and so cannot be written
// (there are no escapes).
func QuoteArg(s string) (quoted string, ok bool) {
	plain := s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return isIgnorable(r) || r == '='
	})
	if plain {
		if r, _ := utf8.DecodeRuneInString(s); quoteClass(r) == 0 {
			return s, true
		}
	}
	hasDouble := strings.ContainsFunc(s, func(r rune) bool { return quoteClass(r) == '"' })
	hasSingle := strings.ContainsFunc(s, func(r rune) bool { return quoteClass(r) == '\'' })
	switch {
	case !hasDouble:
		return `"` + s + `"`, true
	case !hasSingle:
		return `'` + s + `'`, true
	}
	return "", false
}
