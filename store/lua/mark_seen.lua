-- mark_seen: see markSeenScript in store/seen.go.
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
redis.call('PEXPIRE', KEYS[3], ttl)
return out
