-- digest_build: see digestBuildScript in store/digest.go.
local per = {{PER}}
local due = redis.call('ZSCORE', KEYS[3], ARGV[1])
if not due or tonumber(due) ~= tonumber(ARGV[2]) then
  return 0
end
redis.call('LTRIM', KEYS[2], ARGV[3], -1)
if redis.call('LLEN', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[3], ARGV[1])
else
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
end
for i = 4, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[5]) then
    local base = 6 + (i - 4) * per
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[6], '*', unpack(ARGV, base + 1, base + per))
  end
end
return 1
