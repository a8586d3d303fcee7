-- penalize: see penalizeScript in store/ratelimit.go.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local d = tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur >= now + d then
  return 0
end
redis.call('SET', KEYS[1], string.format('%.0f', now + d), 'PX', string.format('%.0f', math.floor(d / 1000) + tonumber(ARGV[2])))
return 1
