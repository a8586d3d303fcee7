package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/aajil/aajil/feeds"
)

// markSeenScript marks a poll's item ids seen, atomically.
//
// KEYS[1] seen ZSET, KEYS[2] baseline marker, KEYS[3] baseline tag.
// ARGV[1] TTL (ms), ARGV[2] cap, ARGV[3…] item ids.
// Returns {baseline (0|1), fresh ids…}.
//
// The score is Redis's own clock (TIME), so instances with skewed clocks
// agree. Expired ids are trimmed before adding, so an id seen again after
// its TTL counts as fresh; the cap is applied after, keeping the newest.
var markSeenScript = luaScript("mark_seen")

// MarkSeen records that a poll of sourceID found itemIDs (in one atomic
// script: one round trip per poll) and returns those not seen before.
//
// The first poll of a source ever — or after it went unpolled for longer
// than Options.SeenTTL — is a baseline: every id is marked seen, baseline
// is true and fresh is empty, so a new source does not flood subscribers
// with its back catalogue. This holds for an empty first document too.
// Ids already seen have their time refreshed, so an item stays seen while
// its source still lists it. Two instances marking the same id at once
// get it fresh exactly once between them. fresh keeps the order of
// itemIDs; empty ids are ignored.
func (s *Store) MarkSeen(ctx context.Context, sourceID string, itemIDs []string) (fresh []string, baseline bool, err error) {
	res, err := markSeenScript.Run(ctx, s.rdb, s.baselineKeys(sourceID), s.markSeenArgs(itemIDs)...).Slice()
	return markSeenReply(sourceID, res, err)
}

// SeenPoll is one source's poll for MarkSeenMany: the ids of its items.
type SeenPoll struct {
	SourceID string
	ItemIDs  []string
}

// SeenResult is what MarkSeen returns, for one poll of MarkSeenMany.
type SeenResult struct {
	Fresh    []string
	Baseline bool
	Err      error
}

// MarkSeenMany is MarkSeen for the polls of several sources in one round
// trip (a pipeline of the same script, each atomic on its own): results[i]
// is what MarkSeen(polls[i]) would return.
func (s *Store) MarkSeenMany(ctx context.Context, polls []SeenPoll) []SeenResult {
	calls := make([]scriptCall, len(polls))
	for i, p := range polls {
		calls[i] = scriptCall{script: markSeenScript, keys: s.baselineKeys(p.SourceID), args: s.markSeenArgs(p.ItemIDs)}
	}
	results := make([]SeenResult, len(polls))
	for i, c := range s.runScripts(ctx, calls) {
		res, err := c.Slice()
		r := &results[i]
		r.Fresh, r.Baseline, r.Err = markSeenReply(polls[i].SourceID, res, err)
	}
	return results
}

// markSeenArgs are markSeenScript's ARGV for itemIDs.
func (s *Store) markSeenArgs(itemIDs []string) []any {
	args := make([]any, 2, len(itemIDs)+2)
	args[0] = s.opts.SeenTTL.Milliseconds()
	args[1] = s.opts.SeenMax
	for _, id := range itemIDs {
		if id != "" {
			args = append(args, id)
		}
	}
	return args
}

// markSeenReply reads markSeenScript's reply (or error) for sourceID.
func markSeenReply(sourceID string, res []any, err error) (fresh []string, baseline bool, _ error) {
	if err != nil {
		return nil, false, fmt.Errorf("mark seen %s: %w", sourceID, err)
	}
	if len(res) == 0 {
		return nil, false, fmt.Errorf("mark seen %s: empty reply", sourceID)
	}
	baseline = res[0] == int64(1)
	for _, v := range res[1:] {
		if id, ok := v.(string); ok {
			fresh = append(fresh, id)
		}
	}
	return fresh, baseline, nil
}

// keyBaselineTag is a STRING: BaselineTag of the source definition (URL
// and kind) that the seen set belongs to. TTL: SeenTTL, refreshed with
// keySeen.
func (s *Store) keyBaselineTag(id string) string { return s.srcTag(id) + ":base" }

// baselineKeys are the keys of the seen scripts: seen set, baseline
// marker, baseline tag.
func (s *Store) baselineKeys(id string) []string {
	return []string{s.keySeen(id), s.keySeenInit(id), s.keyBaselineTag(id)}
}

// BaselineTag names what a source's seen ids are ids of: its URL and
// kind. When it changes, the seen set is of another document.
func BaselineTag(src feeds.Source) string {
	sum := sha256.Sum256([]byte(string(src.EffectiveKind()) + " " + src.URL))
	return hex.EncodeToString(sum[:12])
}

// setBaselineScript makes item ids a source's baseline, atomically.
//
// KEYS as markSeenScript. ARGV[1] TTL (ms), ARGV[2] cap, ARGV[3] tag,
// ARGV[4…] item ids.
var setBaselineScript = luaScript("set_baseline")

// SetBaseline makes itemIDs the whole seen set of src, as if its first
// poll had found them, in one atomic script: the next poll alerts every
// id that is not among them. It is how a source added or changed in chat
// gets, as its baseline, the items the admin was shown when probing it,
// so that what it publishes after the command is alerted even before its
// first poll. Any earlier seen set of the source's id is replaced.
func (s *Store) SetBaseline(ctx context.Context, src feeds.Source, itemIDs []string) error {
	args := make([]any, 3, len(itemIDs)+3)
	args[0] = s.opts.SeenTTL.Milliseconds()
	args[1] = s.opts.SeenMax
	args[2] = BaselineTag(src)
	for _, id := range itemIDs {
		if id != "" {
			args = append(args, id)
		}
	}
	if err := setBaselineScript.Run(ctx, s.rdb, s.baselineKeys(src.ID), args...).Err(); err != nil {
		return fmt.Errorf("set baseline %s: %w", src.ID, err)
	}
	return nil
}

// resetBaselineScript forgets a source's seen set when it belongs to
// another definition.
//
// KEYS as markSeenScript. ARGV[1] TTL (ms), ARGV[2] tag, ARGV[3] "1" to
// reset unconditionally (else only when a different tag is recorded).
// Returns 1 when it reset.
var resetBaselineScript = luaScript("reset_baseline")

// ResetBaseline forgets src's seen set, so that its next poll is a
// baseline: for a source whose URL changed, or that resumes, when no
// probe could tell what it showed at the admin's command.
func (s *Store) ResetBaseline(ctx context.Context, src feeds.Source) error {
	err := resetBaselineScript.Run(ctx, s.rdb, s.baselineKeys(src.ID), s.opts.SeenTTL.Milliseconds(), BaselineTag(src), "1").Err()
	if err != nil {
		return fmt.Errorf("reset baseline %s: %w", src.ID, err)
	}
	return nil
}

// ResetChangedBaselines forgets the seen set of every source in srcs
// whose seen set belongs to another URL or kind (another BaselineTag), in
// one pipelined round trip, and returns their ids. Their next poll is
// then a baseline instead of alerting the new document's whole back
// catalogue. The check is idempotent: once one instance has reset a
// source, the others find its tag current. A source with no tag recorded
// (never polled, or its seen set expired) gets one and keeps its set.
func (s *Store) ResetChangedBaselines(ctx context.Context, srcs []feeds.Source) (reset []string, err error) {
	if len(srcs) == 0 {
		return nil, nil
	}
	ttl := s.opts.SeenTTL.Milliseconds()
	calls := make([]scriptCall, len(srcs))
	for i, src := range srcs {
		calls[i] = scriptCall{script: resetBaselineScript, keys: s.baselineKeys(src.ID), args: []any{ttl, BaselineTag(src), "0"}}
	}
	for i, cmd := range s.runScripts(ctx, calls) {
		n, err := cmd.Int()
		if err != nil {
			return reset, fmt.Errorf("reset baselines: %s: %w", srcs[i].ID, err)
		}
		if n == 1 {
			reset = append(reset, srcs[i].ID)
		}
	}
	return reset, nil
}
