package store

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// markSeenScript marks a poll's item ids seen, atomically.
//
// KEYS[1] seen ZSET, KEYS[2] baseline marker.
// ARGV[1] TTL (ms), ARGV[2] cap, ARGV[3…] item ids.
// Returns {baseline (0|1), fresh ids…}.
//
// The score is Redis's own clock (TIME), so instances with skewed clocks
// agree. Expired ids are trimmed before adding, so an id seen again after
// its TTL counts as fresh; the cap is applied after, keeping the newest.
var markSeenScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local baseline = redis.call('EXISTS', KEYS[2]) == 0
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('(%.0f', now - ttl))
local out = {baseline and 1 or 0}
for i = 3, #ARGV do
  local added = redis.call('ZADD', KEYS[1], now, ARGV[i])
  if added == 1 and not baseline then
    out[#out + 1] = ARGV[i]
  end
end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -cap - 1)
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
if baseline then
  redis.call('SET', KEYS[2], now, 'PX', ttl)
else
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return out
`)

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
	args := make([]any, 2, len(itemIDs)+2)
	args[0] = s.opts.SeenTTL.Milliseconds()
	args[1] = s.opts.SeenMax
	for _, id := range itemIDs {
		if id != "" {
			args = append(args, id)
		}
	}
	res, err := markSeenScript.Run(ctx, s.rdb, []string{s.keySeen(sourceID), s.keySeenInit(sourceID)}, args...).Slice()
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
