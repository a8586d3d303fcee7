package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aajil/aajil/feeds"
)

// ErrNotFound is returned when a source or subscriber does not exist.
var ErrNotFound = errors.New("not found")

// Where a source's current definition came from.
const (
	OriginFile = "file" // the YAML config, seeded at start
	OriginChat = "chat" // an admin command (/addfeed, /setfeed, /pausefeed…)
)

// Origin says who made a change and when.
type Origin struct {
	// By is who made it: an admin ("tg:12345"), or "file".
	By string
	// At is when; the zero time means now.
	At time.Time
}

// SourceRecord is a source as stored in the registry, with where its
// current definition came from (shown by /feed ID).
type SourceRecord struct {
	Source feeds.Source `json:"source"`
	// Origin is OriginFile or OriginChat: who made the last change.
	Origin    string    `json:"origin"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	// FileHash identifies the file's definition of this source as of the
	// last seed ("" when the file has never had it), so that a seed can
	// tell "the file changed this source" from "the file was touched".
	FileHash string `json:"file_hash,omitempty"`
}

// tombstone remembers a source deleted in chat.
type tombstone struct {
	At       time.Time `json:"at"`
	By       string    `json:"by,omitempty"`
	FileHash string    `json:"file_hash,omitempty"`
}

// SeedReport says what SeedSources did, by source id.
type SeedReport struct {
	Added     []string // new from the file, or re-added by a newer file
	Updated   []string // the file's newer definition replaced the stored one
	Removed   []string // gone from the file, and not changed in chat since
	KeptChat  []string // the chat's change is newer than the file's
	KeptGone  []string // deleted in chat after the file's change
	Unchanged int      // the file's definition has not changed since the last seed
}

// Changed reports whether the seed changed the registry.
func (r SeedReport) Changed() bool {
	return len(r.Added)+len(r.Updated)+len(r.Removed) > 0
}

// SeedSources merges the config file's sources into the registry at start.
//
// A source's file definition is compared with the one seen at the last
// seed (FileHash), not with the stored record, so touching the file does
// not undo chat edits of sources the file did not change. Where the file
// did change a source, the newer change wins: the file's (dated by
// fileModTime) or the chat's last edit or deletion (dated when made).
// A source gone from the file is removed, unless it was edited in chat
// after fileModTime; it then stays as a chat source. Sources added in
// chat and never in the file are left alone. Tombstones of sources no
// longer in the file are dropped.
func (s *Store) SeedSources(ctx context.Context, fromFile []feeds.Source, fileModTime time.Time) (SeedReport, error) {
	var rep SeedReport
	err := s.sourcesTx(ctx, func(recs map[string]SourceRecord, tombs map[string]tombstone) (bool, error) {
		rep = SeedReport{}
		inFile := make(map[string]bool, len(fromFile))
		for _, src := range fromFile {
			if src.ID == "" {
				return false, errors.New("source without id")
			}
			if inFile[src.ID] {
				return false, fmt.Errorf("source %s: listed twice", src.ID)
			}
			inFile[src.ID] = true
			h, err := fileHash(src)
			if err != nil {
				return false, err
			}
			fileRec := SourceRecord{Source: src, Origin: OriginFile, UpdatedAt: fileModTime, UpdatedBy: OriginFile, FileHash: h}
			rec, ok := recs[src.ID]
			tomb, gone := tombs[src.ID]
			switch {
			case ok && rec.FileHash == h:
				rep.Unchanged++
			case ok && rec.Origin == OriginChat && rec.UpdatedAt.After(fileModTime):
				rec.FileHash = h
				recs[src.ID] = rec
				rep.KeptChat = append(rep.KeptChat, src.ID)
			case ok:
				recs[src.ID] = fileRec
				rep.Updated = append(rep.Updated, src.ID)
			case gone && (tomb.FileHash == h || tomb.At.After(fileModTime)):
				tomb.FileHash = h
				tombs[src.ID] = tomb
				rep.KeptGone = append(rep.KeptGone, src.ID)
			default:
				delete(tombs, src.ID)
				recs[src.ID] = fileRec
				rep.Added = append(rep.Added, src.ID)
			}
		}
		for id, rec := range recs {
			switch {
			case inFile[id] || rec.FileHash == "":
			case rec.Origin == OriginChat && rec.UpdatedAt.After(fileModTime):
				rec.FileHash = ""
				recs[id] = rec
				rep.KeptChat = append(rep.KeptChat, id)
			default:
				delete(recs, id)
				rep.Removed = append(rep.Removed, id)
			}
		}
		for id := range tombs {
			if !inFile[id] {
				delete(tombs, id)
			}
		}
		for _, l := range [][]string{rep.Added, rep.Updated, rep.Removed, rep.KeptChat, rep.KeptGone} {
			slices.Sort(l)
		}
		return rep.Changed(), nil
	})
	if err != nil {
		return SeedReport{}, fmt.Errorf("seed sources: %w", err)
	}
	return rep, nil
}

// PutSource adds or replaces a source as an admin's change in chat: it
// takes effect at once (watchers see it) and wins over an older file
// definition at the next start.
func (s *Store) PutSource(ctx context.Context, src feeds.Source, o Origin) error {
	if src.ID == "" {
		return errors.New("put source: empty id")
	}
	err := s.sourcesTx(ctx, func(recs map[string]SourceRecord, tombs map[string]tombstone) (bool, error) {
		old, ok := recs[src.ID]
		fh := old.FileHash
		if !ok {
			fh = tombs[src.ID].FileHash
		}
		delete(tombs, src.ID)
		recs[src.ID] = SourceRecord{Source: src, Origin: OriginChat, UpdatedAt: o.at(), UpdatedBy: o.By, FileHash: fh}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("put source %s: %w", src.ID, err)
	}
	return nil
}

// DeleteSource removes a source as an admin's change in chat, leaving a
// tombstone so that the next file seed does not bring it back unless the
// file's definition changed after the deletion. ErrNotFound when absent.
func (s *Store) DeleteSource(ctx context.Context, id string, o Origin) error {
	err := s.sourcesTx(ctx, func(recs map[string]SourceRecord, tombs map[string]tombstone) (bool, error) {
		rec, ok := recs[id]
		if !ok {
			return false, ErrNotFound
		}
		delete(recs, id)
		tombs[id] = tombstone{At: o.at(), By: o.By, FileHash: rec.FileHash}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("delete source %s: %w", id, err)
	}
	return nil
}

// SetPaused pauses or resumes a source as an admin's change in chat.
// Setting the state it already has changes nothing. ErrNotFound when
// absent.
func (s *Store) SetPaused(ctx context.Context, id string, paused bool, o Origin) error {
	err := s.sourcesTx(ctx, func(recs map[string]SourceRecord, _ map[string]tombstone) (bool, error) {
		rec, ok := recs[id]
		if !ok {
			return false, ErrNotFound
		}
		if rec.Source.Paused == paused {
			return false, nil
		}
		rec.Source.Paused = paused
		rec.Origin, rec.UpdatedAt, rec.UpdatedBy = OriginChat, o.at(), o.By
		recs[id] = rec
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("pause source %s: %w", id, err)
	}
	return nil
}

// Source returns one source's record; ErrNotFound when absent.
func (s *Store) Source(ctx context.Context, id string) (SourceRecord, error) {
	raw, err := s.rdb.HGet(ctx, s.keySources(), id).Result()
	if errors.Is(err, redis.Nil) {
		return SourceRecord{}, fmt.Errorf("source %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return SourceRecord{}, fmt.Errorf("get source %s: %w", id, err)
	}
	var rec SourceRecord
	if err := json.Unmarshal([]byte(raw), &rec); err != nil {
		return SourceRecord{}, fmt.Errorf("decode source %s: %w", id, err)
	}
	return rec, nil
}

// Sources returns every source's record (paused ones included), by id.
func (s *Store) Sources(ctx context.Context) ([]SourceRecord, error) {
	raw, err := s.rdb.HGetAll(ctx, s.keySources()).Result()
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	recs, err := decodeRecords(raw)
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	return sortedRecords(recs), nil
}

// SourcesVersion returns the registry's version, which changes on every
// change of it (0 before the first).
func (s *Store) SourcesVersion(ctx context.Context) (int64, error) {
	return s.getInt64(ctx, s.keySourcesVersion(), "get sources version")
}

// WatchSources calls fn with every source (paused ones included, with
// Paused set, as feeds.Scheduler.Set expects) at once and then whenever
// the registry changes: at once when the change is announced (by this
// process, or by another on the change channel), and otherwise within
// every (1 s when every <= 0), the safety re-read of its version. It
// blocks until ctx is done. Redis errors do not stop it:
// it retries at the next tick and reports the outage through
// Options.WatchErrors. fn runs on the watcher's goroutine.
func (s *Store) WatchSources(ctx context.Context, every time.Duration, fn func([]feeds.Source)) {
	last := int64(-1)
	s.watch(ctx, regSources, "sources", every, func(ctx context.Context, v int64) error {
		if v == last {
			return nil
		}
		// Read the version with the records, so that they match.
		var getV *redis.StringCmd
		var getAll *redis.MapStringStringCmd
		_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			getV = p.Get(ctx, s.keySourcesVersion())
			getAll = p.HGetAll(ctx, s.keySources())
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("read sources: %w", err)
		}
		recs, err := decodeRecords(getAll.Val())
		if err != nil {
			return fmt.Errorf("read sources: %w", err)
		}
		v, _ = getV.Int64()
		srcs := make([]feeds.Source, 0, len(recs))
		for _, r := range sortedRecords(recs) {
			srcs = append(srcs, r.Source)
		}
		last = v
		fn(srcs)
		return nil
	})
}

// sourcesTx runs a read-modify-write of the whole registry: change edits
// the maps it is given and reports whether it changed anything; the new
// maps are then written and the version bumped in one MULTI, retried when
// another instance changed the registry in between (WATCH).
func (s *Store) sourcesTx(ctx context.Context, change func(map[string]SourceRecord, map[string]tombstone) (bool, error)) error {
	keys := []string{s.keySources(), s.keySourceTombstones(), s.keySourcesVersion()}
	txf := func(tx *redis.Tx) error {
		rawRecs, err := tx.HGetAll(ctx, keys[0]).Result()
		if err != nil {
			return err
		}
		rawTombs, err := tx.HGetAll(ctx, keys[1]).Result()
		if err != nil {
			return err
		}
		recs, err := decodeRecords(rawRecs)
		if err != nil {
			return err
		}
		tombs := make(map[string]tombstone, len(rawTombs))
		for id, raw := range rawTombs {
			var t tombstone
			if err := json.Unmarshal([]byte(raw), &t); err != nil {
				return fmt.Errorf("decode tombstone %s: %w", id, err)
			}
			tombs[id] = t
		}
		changed, err := change(recs, tombs)
		if err != nil {
			return err
		}
		if !changed && !tombsDiffer(rawTombs, tombs) && !recsDiffer(rawRecs, recs) {
			return nil
		}
		recArgs, err := encodeMap(recs)
		if err != nil {
			return err
		}
		tombArgs, err := encodeMap(tombs)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, keys[0], keys[1])
			if len(recArgs) > 0 {
				p.HSet(ctx, keys[0], recArgs...)
			}
			if len(tombArgs) > 0 {
				p.HSet(ctx, keys[1], tombArgs...)
			}
			if changed {
				p.Incr(ctx, keys[2])
				// The other processes' watchers re-read at once.
				p.Publish(ctx, s.keyRegistryNotices(), registryName(regSources))
			}
			return nil
		})
		return err
	}
	if err := s.watchTx(ctx, txf, keys...); err != nil {
		return err
	}
	s.changed[regSources].notify()
	return nil
}

// watchTx runs txf under WATCH keys, again while another client changed
// them in between (optimistic locking), after a short random pause that
// grows with the attempts so that racing clients spread out.
func (s *Store) watchTx(ctx context.Context, txf func(*redis.Tx) error, keys ...string) error {
	for attempt := range defaultWatchTxAttempts {
		err := s.rdb.Watch(ctx, txf, keys...)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
		pause := time.Duration(rand.Int64N(int64(min(attempt+1, 20)) * int64(time.Millisecond)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
	return fmt.Errorf("keys changed %d times while updating them: %w", defaultWatchTxAttempts, redis.TxFailedErr)
}

// tombsDiffer reports whether tombs differs from its stored form raw.
func tombsDiffer(raw map[string]string, tombs map[string]tombstone) bool {
	if len(raw) != len(tombs) {
		return true
	}
	for id, t := range tombs {
		b, _ := json.Marshal(t)
		if raw[id] != string(b) {
			return true
		}
	}
	return false
}

// recsDiffer reports whether recs differs from its stored form raw: a
// seed may record a file hash without changing what sources are polled.
func recsDiffer(raw map[string]string, recs map[string]SourceRecord) bool {
	if len(raw) != len(recs) {
		return true
	}
	for id, r := range recs {
		b, _ := json.Marshal(r)
		if raw[id] != string(b) {
			return true
		}
	}
	return false
}

// encodeMap turns a map into HSET's field, JSON value arguments.
func encodeMap[V any](m map[string]V) ([]any, error) {
	args := make([]any, 0, 2*len(m))
	for id, v := range m {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", id, err)
		}
		args = append(args, id, string(b))
	}
	return args, nil
}

func decodeRecords(raw map[string]string) (map[string]SourceRecord, error) {
	recs := make(map[string]SourceRecord, len(raw))
	for id, v := range raw {
		var r SourceRecord
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			return nil, fmt.Errorf("decode source %s: %w", id, err)
		}
		recs[id] = r
	}
	return recs, nil
}

func sortedRecords(recs map[string]SourceRecord) []SourceRecord {
	out := make([]SourceRecord, 0, len(recs))
	for _, r := range recs {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b SourceRecord) int { return strings.Compare(a.Source.ID, b.Source.ID) })
	return out
}

// fileHash identifies a file definition of a source.
func fileHash(src feeds.Source) (string, error) {
	b, err := json.Marshal(src)
	if err != nil {
		return "", fmt.Errorf("encode source %s: %w", src.ID, err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}

// at returns o.At, or now when it is zero.
func (o Origin) at() time.Time {
	if o.At.IsZero() {
		return time.Now().UTC()
	}
	return o.At
}
