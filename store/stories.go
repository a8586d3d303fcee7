package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The story index's keys, all under the store prefix and the one hash tag
// {stories}, so that every story script touches a single Cluster slot. The
// scripts address story records by id (keys they are not given in KEYS);
// Redis allows that for keys of the declared keys' slot, and the shared hash
// tag is what guarantees it on a Cluster. The cost is that all story state
// lives on one Cluster node, which is fine for its size and write rate (one
// story per urgent or matching event).
//
//	{stories}:seq         STRING  sequence of story ids and index positions; no TTL (see below)
//	{stories}:s:<id>      HASH    story record and its later sources; TTL = window from creation
//	{stories}:h:<hash>    STRING  exact fingerprint hash → story id; TTL = window
//	{stories}:k:<token>   ZSET    story id → sequence number of its indexing; only the newest
//	                              StoryOptions.CandidatesPerKey kept; TTL = window
//	{stories}:recent      ZSET    story id → created ms, for Recent; trimmed to the window at
//	                              every creation; TTL = window
//
// A story is live while its record exists, so the window needs no clock of
// its own: index entries of expired stories are skipped and removed by the
// script that reads them.
//
// The sequence has no TTL on purpose: it is one integer, and letting it
// expire would hand out old story ids again, which state keyed by story id
// (deliveries) could mistake for the expired story.
const (
	storyTag       = "{stories}"
	storySeqKey    = storyTag + ":seq"
	storyRecordKey = storyTag + ":s:"
	storyHashKey   = storyTag + ":h:"
	storyIndexKey  = storyTag + ":k:"
	storyRecentKey = storyTag + ":recent"
)

// Defaults of StoryOptions.
const (
	DefaultStoryWindow           = 24 * time.Hour
	DefaultStoryCandidatesPerKey = 50
	DefaultStoryMaxSources       = 50
	DefaultStoryMaxKeys          = 16
)

// ErrStoryNotFound means the story does not exist, or has expired with the
// window.
var ErrStoryNotFound = errors.New("story not found")

// ErrStoryContention means Resolve gave up after other writers kept creating
// stories under the item's keys between its lookups and its create. It takes
// a burst of several near-identical items at the same instant; retrying the
// item later is safe.
var ErrStoryContention = errors.New("story index contention")

// StoryOptions configure a Stories index. Zero fields take the defaults.
type StoryOptions struct {
	// Window is how long a story can be joined: its record and index
	// entries expire this long after the story is created. Default 24 h.
	Window time.Duration
	// CandidatesPerKey bounds each key token's index: only its newest
	// stories are kept and returned by Lookup. Default 50.
	CandidatesPerKey int
	// MaxSources bounds the later sources recorded on one story. Default 50.
	MaxSources int
	// MaxKeys bounds the key tokens of one fingerprint that are looked up
	// and indexed: the first MaxKeys distinct ones, so callers should give
	// the rarest first. Default 16.
	MaxKeys int
}

// Stories is the cross-source story index: near-duplicate candidates through
// an inverted index of key tokens, exact duplicates through the fingerprint
// hash, and race-free creation through a cursor (see Create). The similarity
// decision is the caller's; this type never looks inside a fingerprint. It
// is safe for concurrent use, and several processes may share one Redis.
type Stories struct {
	rdb    redis.UniversalClient
	prefix string
	opt    StoryOptions
}

// Stories returns the story index of this store.
func (s *Store) Stories(opt StoryOptions) *Stories {
	if opt.Window <= 0 {
		opt.Window = DefaultStoryWindow
	}
	if opt.Window < time.Millisecond {
		opt.Window = time.Millisecond
	}
	if opt.CandidatesPerKey <= 0 {
		opt.CandidatesPerKey = DefaultStoryCandidatesPerKey
	}
	if opt.MaxSources <= 0 {
		opt.MaxSources = DefaultStoryMaxSources
	}
	if opt.MaxKeys <= 0 {
		opt.MaxKeys = DefaultStoryMaxKeys
	}
	return &Stories{rdb: s.rdb, prefix: s.prefix, opt: opt}
}

// FP is what the index needs of an item's story fingerprint.
type FP struct {
	// Hash identifies the exact normalised headline; equal hashes are the
	// same story without comparison. Empty: no exact lookup.
	Hash string
	// Keys are the fingerprint's rare tokens, rarest first: a story is a
	// candidate for an item when they share one.
	Keys []string
	// Data is opaque to the index: the caller's serialised fingerprint,
	// stored on the story and given back with candidates to compare.
	Data string
}

// StoryItem is the item that starts a story.
type StoryItem struct {
	SourceID, ItemID, Title, Link string
}

// SourceRef is a later source of a story: which source, which of its items,
// and when it was recorded.
type SourceRef struct {
	SourceID, ItemID string
	// Title is the headline the source reported the story with; empty
	// for sources recorded before headlines were kept.
	Title string
	// At is when the source reported the story; zero in AddSource means
	// Redis's time at the call.
	At time.Time
}

// StoryRecord is a story as stored.
type StoryRecord struct {
	ID      string
	Created time.Time // Redis's time at creation
	// The first item that reported the story.
	FirstSource, FirstItemID, Title, Link string
	// Data is the fingerprint data (FP.Data) of the first item, or of the
	// latest SetTitle.
	Data string
	// Sources are the later sources, oldest first. Only Get fills them;
	// lookups leave them nil to stay small.
	Sources []SourceRef
}

// StoryCursor marks a point in the index's history: Create refuses to
// create a story when something was indexed under the item's keys after
// it. It is opaque; take it from a StoryLookup.
type StoryCursor int64

// StoryLookup is what Lookup found for a fingerprint.
type StoryLookup struct {
	// Exact is the story with the same fingerprint hash, if any; when set,
	// Candidates is empty.
	Exact *StoryRecord
	// Candidates are the stories sharing a key token, newest first.
	Candidates []StoryRecord
	// Cursor is the index's position at the lookup, for Create.
	Cursor StoryCursor
}

// The story scripts are composed of the fragments lua/story_common.lua
// (helpers every story script uses, on Redis's clock) and
// lua/story_index.lua (helpers of the scripts that read or write the
// index: KEYS the sequence, the hash key, then the key-token indexes (see
// scriptKeys); ARGV the prefix of story records, window ms, cap,
// has-hash), and a body of their own.

// storyLookupScript: KEYS and ARGV as story_index.lua. Reply: cursor, exact
// flag (0/1), then records of 7 strings each. It writes only to remove
// entries of expired stories.
var storyLookupScript = luaScript("story_lookup")

// storyCreateScript: KEYS and ARGV as story_index.lua, then
// cursor, first source, first item, title, link, data, hash, join (0, or
// MaxSources to join the story of the same hash).
//
// Reply: 1, id, created ms when it created the story. Otherwise 0, cursor,
// exact flag, add-source result, then the records of the story with the
// item's hash or else of the live stories indexed under its keys after the
// cursor. With join set, an item with the hash of a live story is recorded
// on it as a later source (unless it is the story's first item), as
// AddSource would, in the same call. With cursor 0 the script is a lookup
// that creates the story when it finds nothing, atomically: one round trip
// for a new story or an exact duplicate.
var storyCreateScript = luaScript("story_create")

// storyRetitleScript: KEYS and ARGV as story_index.lua, then id, title, data.
// Reply: 1 when done, 0 when the story is gone.
var storyRetitleScript = luaScript("story_retitle")

// storyAddSourceScript: KEYS story record; ARGV source id, item id, at ms
// (0: now), max sources. Reply as add_source.
var storyAddSourceScript = luaScript("story_add_source")

// scriptKeys are the KEYS of the lookup, create and retitle scripts: the
// sequence, the hash key and the distinct key-token indexes.
func (x *Stories) scriptKeys(fp FP) (keys []string, hasHash string) {
	keys = make([]string, 2, 2+min(len(fp.Keys), x.opt.MaxKeys))
	keys[0] = x.prefix + storySeqKey
	keys[1] = x.prefix + storyHashKey + fp.Hash
	hasHash = "0"
	if fp.Hash != "" {
		hasHash = "1"
	}
	seen := make(map[string]bool, len(fp.Keys))
	for _, k := range fp.Keys {
		if k == "" || seen[k] {
			continue
		}
		if len(seen) == x.opt.MaxKeys {
			break
		}
		seen[k] = true
		keys = append(keys, x.prefix+storyIndexKey+k)
	}
	return keys, hasHash
}

// args are the ARGV the scripts share, followed by extra.
func (x *Stories) args(hasHash string, extra ...any) []any {
	return append([]any{x.prefix + storyRecordKey, x.opt.Window.Milliseconds(), x.opt.CandidatesPerKey, hasHash}, extra...)
}

// Lookup finds, in one round trip, the story with fp's exact hash or else
// the recent stories sharing one of fp's keys, with the cursor to pass to
// Create if none of them is the item's story.
func (x *Stories) Lookup(ctx context.Context, fp FP) (StoryLookup, error) {
	keys, hasHash := x.scriptKeys(fp)
	v, err := storyLookupScript.Run(ctx, x.rdb, keys, x.args(hasHash)...).Slice()
	if err != nil {
		return StoryLookup{}, fmt.Errorf("story lookup: %w", err)
	}
	l, err := parseLookup(v)
	if err != nil {
		return StoryLookup{}, fmt.Errorf("story lookup: %w", err)
	}
	return l, nil
}

// LookupBatch is Lookup for many fingerprints in one round trip (a
// pipeline). Each lookup is atomic on its own; results are in the order of
// fps.
func (x *Stories) LookupBatch(ctx context.Context, fps []FP) ([]StoryLookup, error) {
	if len(fps) == 0 {
		return nil, nil
	}
	calls := make([]scriptCall, len(fps))
	for i, fp := range fps {
		keys, hasHash := x.scriptKeys(fp)
		calls[i] = scriptCall{storyLookupScript, keys, x.args(hasHash)}
	}
	cmds, err := x.runPipelined(ctx, calls)
	if err != nil {
		return nil, fmt.Errorf("story lookup batch: %w", err)
	}
	out := make([]StoryLookup, len(fps))
	for i, c := range cmds {
		v, err := c.Slice()
		if err == nil {
			out[i], err = parseLookup(v)
		}
		if err != nil {
			return nil, fmt.Errorf("story lookup batch: item %d: %w", i, err)
		}
	}
	return out, nil
}

// scriptCall is one script run in a pipeline.
type scriptCall struct {
	script *redis.Script
	keys   []string
	args   []any
}

// runPipelined runs the calls in one pipeline with EVALSHA. A pipeline
// cannot fall back to EVAL per command as Script.Run does, so the calls
// that failed with NOSCRIPT (the server lost its script cache) load their
// script (on every node of a Cluster) and run again: a call that failed so
// had no effect. Other command errors are left in the returned commands.
func (x *Stories) runPipelined(ctx context.Context, calls []scriptCall) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(calls))
	todo := make([]int, len(calls))
	for i := range todo {
		todo[i] = i
	}
	for attempt := 0; ; attempt++ {
		_, err := x.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range todo {
				c := calls[i]
				cmds[i] = c.script.EvalSha(ctx, p, c.keys, c.args...)
			}
			return nil
		})
		if err == nil {
			return cmds, nil
		}
		var missing []int
		load := map[*redis.Script]bool{}
		for _, i := range todo {
			if redis.HasErrorPrefix(cmds[i].Err(), "NOSCRIPT") {
				missing = append(missing, i)
				load[calls[i].script] = true
			}
		}
		if len(missing) == 0 {
			var re redis.Error
			if errors.As(err, &re) {
				return cmds, nil // a command's own error, read per command
			}
			return nil, err
		}
		if attempt > 0 {
			return nil, err
		}
		for s := range load {
			if err := s.Load(ctx, x.rdb).Err(); err != nil {
				return nil, fmt.Errorf("load script: %w", err)
			}
		}
		todo = missing
	}
}

// Create starts a story for item with fingerprint fp, in one atomic round
// trip, unless a story was indexed under fp's hash or keys after cursor
// (taken from the Lookup or the conflict whose candidates the caller
// rejected): then nothing is created and conflict holds just those newer
// stories and a new cursor, to compare and call Create again. This is what
// makes two instances racing on one story create it once: the loser sees
// the winner's story as a conflict. A live story with fp's exact hash is
// always a conflict (conflict.Exact).
//
// A zero cursor (no lookup before) makes Create a lookup that creates: it
// starts the story only if no live story shares fp's hash or keys, and else
// returns them all, so a new story takes one round trip instead of two.
func (x *Stories) Create(ctx context.Context, fp FP, item StoryItem, cursor StoryCursor) (created StoryRecord, conflict *StoryLookup, err error) {
	c := x.createCall(fp, item, cursor, false)
	v, err := c.script.Run(ctx, x.rdb, c.keys, c.args...).Slice()
	if err == nil {
		var r createReply
		r, err = parseCreate(v, fp, item)
		created, conflict = r.created, r.conflict
	}
	if err != nil {
		return StoryRecord{}, nil, fmt.Errorf("story create: %w", err)
	}
	return created, conflict, nil
}

// createCall is a run of the create script. join makes it record item's
// source on the story of fp's hash when there is one.
func (x *Stories) createCall(fp FP, item StoryItem, cursor StoryCursor, join bool) scriptCall {
	keys, hasHash := x.scriptKeys(fp)
	joinMax := 0
	if join {
		joinMax = x.opt.MaxSources
	}
	return scriptCall{storyCreateScript, keys,
		x.args(hasHash, int64(cursor), item.SourceID, item.ItemID, item.Title, item.Link, fp.Data, fp.Hash, joinMax,
			x.prefix+storyRecentKey)}
}

// createReply is the create script's reply: the story created, or the
// conflict, and with it the add-source result of joining the exact story.
type createReply struct {
	created  StoryRecord
	conflict *StoryLookup
	added    int64
}

// parseCreate reads the create script's reply: 1, id, created ms; or 0,
// cursor, exact flag, add-source result, records.
func parseCreate(v []any, fp FP, item StoryItem) (createReply, error) {
	if len(v) < 3 {
		return createReply{}, fmt.Errorf("short reply of %d values", len(v))
	}
	if ok, _ := v[0].(int64); ok == 1 {
		id, _ := v[1].(int64)
		ms, _ := v[2].(int64)
		return createReply{created: StoryRecord{
			ID: strconv.FormatInt(id, 10), Created: time.UnixMilli(ms),
			FirstSource: item.SourceID, FirstItemID: item.ItemID,
			Title: item.Title, Link: item.Link, Data: fp.Data,
		}}, nil
	}
	if len(v) < 4 {
		return createReply{}, fmt.Errorf("short reply of %d values", len(v))
	}
	l, err := parseRecords(v[1], v[2], v[4:])
	if err != nil {
		return createReply{}, err
	}
	added, _ := v[3].(int64)
	return createReply{conflict: &l, added: added}, nil
}

// AddSource records src as a later source of the story, for "also reported
// by". It is idempotent per source: added is true only the first time a
// source other than the first one is recorded (later items of that source
// keep the first record). When the story already has MaxSources later
// sources, nothing is recorded and added is false. A story that is gone
// gives ErrStoryNotFound. It does not extend the story's life: a story is
// joinable for the window after its first report.
func (x *Stories) AddSource(ctx context.Context, storyID string, src SourceRef) (added bool, err error) {
	c := x.addSourceCall(storyID, src)
	n, err := c.script.Run(ctx, x.rdb, c.keys, c.args...).Int()
	if err == nil && n < 0 {
		err = ErrStoryNotFound
	}
	if err != nil {
		return false, fmt.Errorf("story %s: add source: %w", storyID, err)
	}
	return n == 1, nil
}

func (x *Stories) addSourceCall(storyID string, src SourceRef) scriptCall {
	var at int64
	if !src.At.IsZero() {
		at = max(src.At.UnixMilli(), 1)
	}
	return scriptCall{storyAddSourceScript, []string{x.prefix + storyRecordKey + storyID},
		[]any{src.SourceID, src.ItemID, at, x.opt.MaxSources, src.Title}}
}

// SetTitle records a new wording of a story (an update with new facts that
// edits the earlier alert): the title and fingerprint data are replaced, and
// the story is indexed under fp's keys and hash as well, so later reports
// worded like the update find it. Its lifetime does not change.
func (x *Stories) SetTitle(ctx context.Context, storyID string, fp FP, title string) error {
	keys, hasHash := x.scriptKeys(fp)
	n, err := storyRetitleScript.Run(ctx, x.rdb, keys, x.args(hasHash, storyID, title, fp.Data)...).Int()
	if err != nil {
		return fmt.Errorf("story %s: set title: %w", storyID, err)
	}
	if n == 0 {
		return fmt.Errorf("story %s: set title: %w", storyID, ErrStoryNotFound)
	}
	return nil
}

// Get returns a story with its later sources.
func (x *Stories) Get(ctx context.Context, storyID string) (StoryRecord, error) {
	m, err := x.rdb.HGetAll(ctx, x.prefix+storyRecordKey+storyID).Result()
	if err != nil {
		return StoryRecord{}, fmt.Errorf("story %s: get: %w", storyID, err)
	}
	if len(m) == 0 {
		return StoryRecord{}, fmt.Errorf("story %s: get: %w", storyID, ErrStoryNotFound)
	}
	return storyFromHash(storyID, m), nil
}

// storyFromHash reads a story record's hash.
func storyFromHash(storyID string, m map[string]string) StoryRecord {
	ms, _ := strconv.ParseInt(m["created"], 10, 64)
	r := StoryRecord{
		ID: storyID, Created: time.UnixMilli(ms),
		FirstSource: m["first_source"], FirstItemID: m["first_item"],
		Title: m["title"], Link: m["link"], Data: m["data"],
	}
	type ordered struct {
		n   int
		ref SourceRef
	}
	var refs []ordered
	for f, v := range m {
		src, ok := strings.CutPrefix(f, "r:")
		if !ok {
			continue
		}
		// "<order>\t<ms>\t<item id>"; the item id may hold anything.
		parts := strings.SplitN(v, "\t", 3)
		if len(parts) != 3 {
			continue
		}
		n, _ := strconv.Atoi(parts[0])
		at, _ := strconv.ParseInt(parts[1], 10, 64)
		refs = append(refs, ordered{n, SourceRef{SourceID: src, ItemID: parts[2], Title: m["t:"+src], At: time.UnixMilli(at)}})
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].n < refs[j].n })
	for _, o := range refs {
		r.Sources = append(r.Sources, o.ref)
	}
	return r
}

// Recent returns the live stories created at since or later, newest
// first, each with its later sources (as Get), at most limit of them
// (limit ≤ 0: no limit). Two round trips: the index of stories by time,
// then their records in one pipeline. A story that expired in between is
// left out.
func (x *Stories) Recent(ctx context.Context, since time.Time, limit int) ([]StoryRecord, error) {
	ids, err := x.rdb.ZRevRangeByScore(ctx, x.prefix+storyRecentKey, &redis.ZRangeBy{
		Min: strconv.FormatInt(since.UnixMilli(), 10), Max: "+inf", Count: int64(max(limit, 0)),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("recent stories: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = x.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, x.prefix+storyRecordKey+id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recent stories: %w", err)
	}
	out := make([]StoryRecord, 0, len(ids))
	for i, id := range ids {
		if m := cmds[i].Val(); len(m) > 0 {
			out = append(out, storyFromHash(id, m))
		}
	}
	return out, nil
}

// Resolution is the outcome of Resolve.
type Resolution struct {
	// Story is the item's story: the new one, or the existing one it joined.
	Story StoryRecord
	// Created: the item started the story, so it is news to alert.
	// Otherwise it is a later report of Story and is not alerted again.
	Created bool
	// Exact: the story was found by the exact fingerprint hash.
	Exact bool
	// Added: the item's source was newly recorded as a later source.
	Added bool
	// RoundTrips is how many round trips to Redis resolving the item
	// took: 1 for a new story without candidates or an exact duplicate,
	// 2 when candidates were compared, more only when other writers raced.
	// In ResolveBatch they are pipelined, so the batch took as many as its
	// slowest item.
	RoundTrips int
}

// Pick chooses the item's story among candidates: the index of the story
// the item belongs to, or -1 when it is none of them.
type Pick func(candidates []StoryRecord) int

// maxResolveRounds bounds Resolve's compare-and-create loop. Every extra
// round needs another writer to have created a story under the same keys in
// the round trip between two of ours. ResolveBatch allows one more round
// per item of the batch, since its own items that are different stories
// under a shared key are created one per round (each of the others then
// compares with the one created).
const maxResolveRounds = 8

// Resolve finds the story of an item or creates it, race-free. Its first
// round trip is Create with a zero cursor, which creates the story when no
// live story shares fp's hash or keys, and joins the story of the same hash
// right away (recording the item's source on it, as AddSource). Otherwise
// pick chooses among the candidates: the item joins the chosen story
// (AddSource), or, if none is its story, Create with the cursor, which may
// return newer candidates to pick from again. So a new story or an exact
// duplicate takes one round trip, an item compared with candidates two.
//
// Resolving an item again is safe: if it is the first item of its story
// (a retry after a lost reply), the result says Created again, so the
// caller alerts it (delivery ids keep that from sending twice) rather than
// dropping it as a later report of itself.
func (x *Stories) Resolve(ctx context.Context, fp FP, item StoryItem, pick Pick) (Resolution, error) {
	res, err := x.ResolveBatch(ctx, []StoryInput{{FP: fp, Item: item}},
		func(_ int, c []StoryRecord) int { return pick(c) })
	if err != nil {
		return Resolution{}, err
	}
	return res[0], nil
}

// StoryInput is one item for ResolveBatch.
type StoryInput struct {
	FP   FP
	Item StoryItem
}

// resolveStep is what ResolveBatch does next for an item: join the picked
// story, or create with the cursor.
type resolveStep struct {
	join   *StoryRecord
	cursor StoryCursor
}

// ResolveBatch is Resolve for many items, each round pipelined: one round
// trip for the batch when its items are new stories or exact duplicates,
// two when some are compared with candidates. Items of one batch that are
// one story end as one: the pipeline's scripts run in order, so the later
// items find the story the first one created among their candidates. Items
// of one batch that share a key but are different stories take a round
// each, as racing writers would. pick(i, candidates) chooses for in[i].
// Results are in the order of in.
func (x *Stories) ResolveBatch(ctx context.Context, in []StoryInput, pick func(i int, candidates []StoryRecord) int) ([]Resolution, error) {
	out := make([]Resolution, len(in))
	steps := make([]resolveStep, len(in))
	pending := make([]int, len(in))
	for i := range pending {
		pending[i] = i
	}
	calls := make([]scriptCall, 0, len(in))
	maxRounds := maxResolveRounds + max(len(in)-1, 0)
	for round := 1; len(pending) > 0; round++ {
		if round > maxRounds {
			return nil, fmt.Errorf("story resolve: %d items after %d rounds: %w", len(pending), maxRounds, ErrStoryContention)
		}
		calls = calls[:0]
		for _, i := range pending {
			it := in[i].Item
			if j := steps[i].join; j != nil {
				calls = append(calls, x.addSourceCall(j.ID, SourceRef{SourceID: it.SourceID, ItemID: it.ItemID, Title: it.Title}))
			} else {
				calls = append(calls, x.createCall(in[i].FP, it, steps[i].cursor, true))
			}
		}
		cmds, err := x.runPipelined(ctx, calls)
		if err != nil {
			return nil, fmt.Errorf("story resolve: %w", err)
		}
		next := pending[:0] // filled no faster than pending is read
		for k, i := range pending {
			it := in[i].Item
			if j := steps[i].join; j != nil {
				n, err := cmds[k].Int()
				if err != nil {
					return nil, fmt.Errorf("story %s: add source: %w", j.ID, err)
				}
				if n < 0 { // expired in between: start over
					steps[i] = resolveStep{}
					next = append(next, i)
					continue
				}
				out[i] = Resolution{Story: *j, Added: n == 1, RoundTrips: round}
				continue
			}
			v, err := cmds[k].Slice()
			var r createReply
			if err == nil {
				r, err = parseCreate(v, in[i].FP, it)
			}
			if err != nil {
				return nil, fmt.Errorf("story create: %w", err)
			}
			switch l := r.conflict; {
			case l == nil:
				out[i] = Resolution{Story: r.created, Created: true, RoundTrips: round}
			case l.Exact != nil && firstItem(l.Exact, it):
				out[i] = Resolution{Story: *l.Exact, Created: true, RoundTrips: round}
			case l.Exact != nil: // joined by the script
				out[i] = Resolution{Story: *l.Exact, Exact: true, Added: r.added == 1, RoundTrips: round}
			default:
				steps[i] = resolveStep{cursor: l.Cursor}
				if c := pick(i, l.Candidates); c >= 0 && c < len(l.Candidates) {
					cand := &l.Candidates[c]
					if firstItem(cand, it) {
						out[i] = Resolution{Story: *cand, Created: true, RoundTrips: round}
						continue
					}
					steps[i].join = cand
				}
				next = append(next, i)
			}
		}
		pending = next
	}
	return out, nil
}

// firstItem reports whether it is the item that started story s.
func firstItem(s *StoryRecord, it StoryItem) bool {
	return s.FirstSource == it.SourceID && s.FirstItemID == it.ItemID
}

// parseLookup reads a lookup reply: cursor, exact flag, then records of 7
// strings each.
func parseLookup(v []any) (StoryLookup, error) {
	if len(v) < 2 {
		return StoryLookup{}, fmt.Errorf("short reply of %d values", len(v))
	}
	return parseRecords(v[0], v[1], v[2:])
}

// parseRecords reads a cursor, an exact flag and records of 7 strings each
// (id, created ms, first source, first item, title, link, data).
func parseRecords(cursor, exact any, rest []any) (StoryLookup, error) {
	if len(rest)%7 != 0 {
		return StoryLookup{}, fmt.Errorf("malformed reply: %d record values", len(rest))
	}
	cur, _ := cursor.(int64)
	l := StoryLookup{Cursor: StoryCursor(cur)}
	isExact := exact == int64(1)
	for i := 0; i < len(rest); i += 7 {
		var f [7]string
		for j := range f {
			f[j], _ = rest[i+j].(string)
		}
		ms, _ := strconv.ParseInt(f[1], 10, 64)
		r := StoryRecord{ID: f[0], Created: time.UnixMilli(ms),
			FirstSource: f[2], FirstItemID: f[3], Title: f[4], Link: f[5], Data: f[6]}
		if isExact {
			l.Exact = &r
			return l, nil
		}
		l.Candidates = append(l.Candidates, r)
	}
	return l, nil
}
