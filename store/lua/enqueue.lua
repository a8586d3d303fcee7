-- enqueue: see enqueueScript in store/outbox.go.
local ttl = ARGV[1]
local maxlen = ARGV[2]
local per = {{PER}}
local queued = 0
local counts = {}
for i = 3, #KEYS, 2 do
  if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ttl) then
    local base = 2 + (i - 3) / 2 * per
    local stream = KEYS[tonumber(ARGV[base + 1])]
    redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', unpack(ARGV, base + 2, base + per))
    queued = queued + 1
    local c = KEYS[i + 1]
    counts[c] = (counts[c] or 0) + 1
  end
end
for c, n in pairs(counts) do
  redis.call('HINCRBY', c, 'queued', n)
  redis.call('PEXPIRE', c, ttl)
end
return queued
