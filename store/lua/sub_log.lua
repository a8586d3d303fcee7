-- sub_log: see subLogScript in store/subscribers.go.
local v = redis.call('INCR', KEYS[2])
for i = 2, #ARGV, 2 do
  if ARGV[i] == '+' then
    redis.call('SADD', KEYS[1], ARGV[i + 1])
  else
    redis.call('SREM', KEYS[1], ARGV[i + 1])
  end
  redis.call('ZADD', KEYS[3], v, ARGV[i + 1])
end
local cap = tonumber(ARGV[1])
local n = redis.call('ZCARD', KEYS[3])
if n > cap then
  local last = n - cap - 1
  local cut = redis.call('ZRANGE', KEYS[3], last, last, 'WITHSCORES')
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, last)
  redis.call('SET', KEYS[4], cut[2])
end
return v
