-- enqueue: see enqueueScript in store/outbox.go.
local ttl = ARGV[1]
local maxlen = ARGV[2]
local per = {{PER}}
local queued = 0
for i = 3, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ttl) then
    local base = 2 + (i - 3) * per
    local stream = KEYS[tonumber(ARGV[base + 1])]
    redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', unpack(ARGV, base + 2, base + per))
    queued = queued + 1
  end
end
return queued
