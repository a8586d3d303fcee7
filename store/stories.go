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
//	{stories}:clock       ZSET    sequence number → Redis time (ms) it was taken; trimmed to the window
//	{stories}:s:<id>      HASH    story record and its later sources; TTL = window from creation
//	{stories}:h:<hash>    STRING  exact fingerprint hash → story id; TTL = window
//	{stories}:k:<token>   ZSET    story id → sequence number of its indexing; only the newest
//	                              StoryOptions.CandidatesPerKey kept, trimmed to the window; TTL = window
//
// The sequence has no TTL on purpose: it is one integer, and letting it
// expire would hand out old story ids again, which state keyed by story id
// (deliveries) could mistake for the expired story.
const (
	storyTag       = "{stories}"
	storySeqKey    = storyTag + ":seq"
	storyClockKey  = storyTag + ":clock"
	storyRecordKey = storyTag + ":s:"
	storyHashKey   = storyTag + ":h:"
	storyIndexKey  = storyTag + ":k:"
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

// The scripts share these Lua helpers. Time comes from Redis (TIME), so the
// clocks of the instances do not matter; since Redis 5 scripts replicate
// their effects, so reading TIME before writing is allowed (the
// replicate_commands call is for older servers and a no-op since).
const storyLuaPrelude = `
if redis.replicate_commands then redis.replicate_commands() end
local prefix = ARGV[1]
local window = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local has_hash = ARGV[4] == '1'
local FIELDS = {'created', 'first_source', 'first_item', 'title', 'link', 'data'}

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- rec appends the story's record (7 strings) to out; false when it is gone.
local function rec(id, out)
  local v = redis.call('HMGET', prefix .. id, unpack(FIELDS))
  if not v[1] then return false end
  out[#out + 1] = id
  for i = 1, #FIELDS do out[#out + 1] = v[i] or '' end
  return true
end

-- min_live is the oldest sequence number taken within the window, or nil.
local function min_live(now)
  local r = redis.call('ZRANGEBYSCORE', KEYS[2], now - window, '+inf', 'LIMIT', 0, 1)
  if r[1] then return tonumber(r[1]) end
  return nil
end

-- index records story id under the item's keys at sequence seq, and trims
-- every structure it touches to the window and the caps.
local function index(id, seq, now)
  redis.call('ZADD', KEYS[2], now, seq)
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - window))
  redis.call('PEXPIRE', KEYS[2], window)
  local live = min_live(now) or seq
  for i = 4, #KEYS do
    redis.call('ZADD', KEYS[i], seq, id)
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. live)
    redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -(cap + 1))
    redis.call('PEXPIRE', KEYS[i], window)
  end
end
`

// storyLookupScript: KEYS seq, clock, hash key, key-token indexes; ARGV
// prefix, window ms, cap, has-hash. Reply: cursor, exact flag (0/1), then
// records of 7 strings each.
var storyLookupScript = redis.NewScript(storyLuaPrelude + `
local cursor = tonumber(redis.call('GET', KEYS[1]) or '0')
local out = {cursor, 0}
if has_hash then
  local id = redis.call('GET', KEYS[3])
  if id and rec(id, out) then
    out[2] = 1
    return out
  end
end
local live = min_live(now_ms())
if not live then return out end
local seen = {}
for i = 4, #KEYS do
  local ids = redis.call('ZREVRANGEBYSCORE', KEYS[i], '+inf', live, 'LIMIT', 0, cap)
  for _, id in ipairs(ids) do
    if not seen[id] then
      seen[id] = true
      rec(id, out)
    end
  end
end
return out
`)

// storyCreateScript: KEYS as lookup; ARGV prefix, window, cap, has-hash,
// cursor, first source, first item, title, link, data, hash. Reply: 1, id,
// created ms when created; else 0, cursor, exact flag, then the records of
// the stories indexed under the item's hash or keys after the cursor.
var storyCreateScript = redis.NewScript(storyLuaPrelude + `
local cursor = tonumber(ARGV[5])
local out = {0, 0, 0}
if has_hash then
  local id = redis.call('GET', KEYS[3])
  if id and rec(id, out) then out[3] = 1 end
end
if out[3] == 0 then
  local seen = {}
  for i = 4, #KEYS do
    local ids = redis.call('ZREVRANGEBYSCORE', KEYS[i], '+inf', '(' .. cursor, 'LIMIT', 0, cap)
    for _, id in ipairs(ids) do
      if not seen[id] then
        seen[id] = true
        rec(id, out)
      end
    end
  end
end
if #out > 3 then
  out[2] = tonumber(redis.call('GET', KEYS[1]) or '0')
  return out
end
local now = now_ms()
local id = redis.call('INCR', KEYS[1])
local key = prefix .. id
redis.call('HSET', key, 'created', now, 'first_source', ARGV[6], 'first_item', ARGV[7],
  'title', ARGV[8], 'link', ARGV[9], 'data', ARGV[10], 'hash', ARGV[11])
redis.call('PEXPIRE', key, window)
index(id, id, now)
if has_hash then redis.call('SET', KEYS[3], id, 'PX', window) end
return {1, id, now}
`)

// storyRetitleScript: KEYS as lookup; ARGV prefix, window, cap, has-hash,
// id, title, data. Reply: 1 when done, 0 when the story is gone.
var storyRetitleScript = redis.NewScript(storyLuaPrelude + `
local id = ARGV[5]
if redis.call('EXISTS', prefix .. id) == 0 then return 0 end
redis.call('HSET', prefix .. id, 'title', ARGV[6], 'data', ARGV[7])
local seq = redis.call('INCR', KEYS[1])
index(id, seq, now_ms())
if has_hash then redis.call('SET', KEYS[3], id, 'PX', window, 'NX') end
return 1
`)

// storyAddSourceScript: KEYS story record; ARGV source id, item id, at ms
// (0: now), max sources. Reply: 1 added, 0 already there, 2 full, -1 gone.
// A later source is a field "r:<source id>" = "<order>\t<ms>\t<item id>".
var storyAddSourceScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return -1 end
if redis.call('HGET', key, 'first_source') == ARGV[1] then return 0 end
local f = 'r:' .. ARGV[1]
if redis.call('HEXISTS', key, f) == 1 then return 0 end
local n = tonumber(redis.call('HGET', key, 'nsrc') or '0')
if n >= tonumber(ARGV[4]) then return 2 end
local at = ARGV[3]
if at == '0' then
  local t = redis.call('TIME')
  at = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
end
redis.call('HSET', key, f, (n + 1) .. '\t' .. at .. '\t' .. ARGV[2], 'nsrc', n + 1)
return 1
`)

// scriptKeys are the KEYS of the lookup, create and retitle scripts: the
// sequence, the clock, the hash key and the distinct key-token indexes.
func (x *Stories) scriptKeys(fp FP) (keys []string, hasHash string) {
	keys = make([]string, 3, 3+min(len(fp.Keys), x.opt.MaxKeys))
	keys[0] = x.prefix + storySeqKey
	keys[1] = x.prefix + storyClockKey
	keys[2] = x.prefix + storyHashKey + fp.Hash
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
	l, err := parseLookup(v, 0)
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
			out[i], err = parseLookup(v, 0)
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
// (taken from the Lookup whose candidates the caller rejected): then nothing
// is created and conflict holds just those newer stories and a new cursor,
// to compare and call Create again. This is what makes two instances racing
// on one story create it once: the loser sees the winner's story as a
// conflict. A story with fp's exact hash is always a conflict.
func (x *Stories) Create(ctx context.Context, fp FP, item StoryItem, cursor StoryCursor) (created StoryRecord, conflict *StoryLookup, err error) {
	c := x.createCall(fp, item, cursor)
	v, err := c.script.Run(ctx, x.rdb, c.keys, c.args...).Slice()
	if err == nil {
		created, conflict, err = parseCreate(v, fp, item)
	}
	if err != nil {
		return StoryRecord{}, nil, fmt.Errorf("story create: %w", err)
	}
	return created, conflict, nil
}

func (x *Stories) createCall(fp FP, item StoryItem, cursor StoryCursor) scriptCall {
	keys, hasHash := x.scriptKeys(fp)
	return scriptCall{storyCreateScript, keys,
		x.args(hasHash, int64(cursor), item.SourceID, item.ItemID, item.Title, item.Link, fp.Data, fp.Hash)}
}

// parseCreate reads the create script's reply.
func parseCreate(v []any, fp FP, item StoryItem) (StoryRecord, *StoryLookup, error) {
	if len(v) < 3 {
		return StoryRecord{}, nil, fmt.Errorf("short reply of %d values", len(v))
	}
	if ok, _ := v[0].(int64); ok == 1 {
		id, _ := v[1].(int64)
		ms, _ := v[2].(int64)
		return StoryRecord{
			ID: strconv.FormatInt(id, 10), Created: time.UnixMilli(ms),
			FirstSource: item.SourceID, FirstItemID: item.ItemID,
			Title: item.Title, Link: item.Link, Data: fp.Data,
		}, nil, nil
	}
	l, err := parseLookup(v, 1)
	if err != nil {
		return StoryRecord{}, nil, err
	}
	return StoryRecord{}, &l, nil
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
		[]any{src.SourceID, src.ItemID, at, x.opt.MaxSources}}
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
		refs = append(refs, ordered{n, SourceRef{SourceID: src, ItemID: parts[2], At: time.UnixMilli(at)}})
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].n < refs[j].n })
	for _, o := range refs {
		r.Sources = append(r.Sources, o.ref)
	}
	return r, nil
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
}

// Pick chooses the item's story among candidates: the index of the story
// the item belongs to, or -1 when it is none of them.
type Pick func(candidates []StoryRecord) int

// maxResolveRounds bounds Resolve's compare-and-create loop. Every extra
// round needs another writer to have created a story under the same keys in
// the round trip between two of ours.
const maxResolveRounds = 8

// Resolve finds the story of an item or creates it, race-free: Lookup,
// then pick among the candidates; if none is the item's story, Create, and
// on a conflict pick among the newer stories and try again. Joining a story
// records the item's source on it (AddSource). It takes two round trips
// when nothing races.
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

// ResolveBatch is Resolve for many items with pipelined round trips: about
// two per batch when nothing races, plus one per round of conflicts (items
// of one batch that are one story conflict with each other, and are then
// joined to the one that was created). pick(i, candidates) chooses for
// in[i]. Results are in the order of in.
func (x *Stories) ResolveBatch(ctx context.Context, in []StoryInput, pick func(i int, candidates []StoryRecord) int) ([]Resolution, error) {
	out := make([]Resolution, len(in))
	looks := make([]StoryLookup, len(in))
	needLookup := make([]bool, len(in))
	pending := make([]int, len(in))
	for i := range in {
		pending[i] = i
		needLookup[i] = true
	}
	for range maxResolveRounds {
		if len(pending) == 0 {
			return out, nil
		}
		var lk []int
		var fps []FP
		for _, i := range pending {
			if needLookup[i] {
				lk = append(lk, i)
				fps = append(fps, in[i].FP)
			}
		}
		if len(lk) > 0 {
			ls, err := x.LookupBatch(ctx, fps)
			if err != nil {
				return nil, err
			}
			for j, i := range lk {
				looks[i], needLookup[i] = ls[j], false
			}
		}

		// Decide for every pending item, then send the joins and creates
		// in one pipeline.
		var calls []scriptCall
		var callItem []int
		joins := make(map[int]*StoryRecord)
		for _, i := range pending {
			l, it := &looks[i], in[i].Item
			join := l.Exact
			if join == nil && len(l.Candidates) > 0 {
				if k := pick(i, l.Candidates); k >= 0 && k < len(l.Candidates) {
					join = &l.Candidates[k]
				}
			}
			switch {
			case join != nil && join.FirstSource == it.SourceID && join.FirstItemID == it.ItemID:
				out[i] = Resolution{Story: *join, Created: true}
				continue
			case join != nil:
				joins[i] = join
				calls = append(calls, x.addSourceCall(join.ID, SourceRef{SourceID: it.SourceID, ItemID: it.ItemID}))
			default:
				calls = append(calls, x.createCall(in[i].FP, it, l.Cursor))
			}
			callItem = append(callItem, i)
		}
		if len(calls) == 0 {
			return out, nil
		}
		cmds, err := x.runPipelined(ctx, calls)
		if err != nil {
			return nil, fmt.Errorf("story resolve: %w", err)
		}
		var next []int
		for k, i := range callItem {
			if join, ok := joins[i]; ok {
				n, err := cmds[k].Int()
				if err != nil {
					return nil, fmt.Errorf("story %s: add source: %w", join.ID, err)
				}
				if n < 0 { // expired in between: look again
					needLookup[i] = true
					next = append(next, i)
					continue
				}
				out[i] = Resolution{Story: *join, Exact: join == looks[i].Exact, Added: n == 1}
				continue
			}
			v, err := cmds[k].Slice()
			if err != nil {
				return nil, fmt.Errorf("story create: %w", err)
			}
			rec, conflict, err := parseCreate(v, in[i].FP, in[i].Item)
			if err != nil {
				return nil, fmt.Errorf("story create: %w", err)
			}
			if conflict != nil {
				looks[i] = *conflict
				next = append(next, i)
				continue
			}
			out[i] = Resolution{Story: rec, Created: true}
		}
		pending = next
	}
	if len(pending) == 0 {
		return out, nil
	}
	return nil, fmt.Errorf("story resolve: %d items after %d rounds: %w", len(pending), maxResolveRounds, ErrStoryContention)
}

// parseLookup reads a lookup reply from v[at:]: cursor, exact flag, then
// records of 7 strings each.
func parseLookup(v []any, at int) (StoryLookup, error) {
	if len(v) < at+2 {
		return StoryLookup{}, fmt.Errorf("short reply of %d values", len(v))
	}
	cur, _ := v[at].(int64)
	exact, _ := v[at+1].(int64)
	rest := v[at+2:]
	if len(rest)%7 != 0 {
		return StoryLookup{}, fmt.Errorf("malformed reply: %d record values", len(rest))
	}
	l := StoryLookup{Cursor: StoryCursor(cur)}
	for i := 0; i < len(rest); i += 7 {
		f := make([]string, 7)
		for j := range f {
			f[j], _ = rest[i+j].(string)
		}
		ms, _ := strconv.ParseInt(f[1], 10, 64)
		r := StoryRecord{ID: f[0], Created: time.UnixMilli(ms),
			FirstSource: f[2], FirstItemID: f[3], Title: f[4], Link: f[5], Data: f[6]}
		if exact == 1 {
			l.Exact = &r
			return l, nil
		}
		l.Candidates = append(l.Candidates, r)
	}
	return l, nil
}
