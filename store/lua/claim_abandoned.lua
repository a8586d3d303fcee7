-- claim_abandoned: see claimAbandonedScript in store/telegram.go.
local out = {}
local n = 0
local limit = tonumber(ARGV[3])
for _, id in ipairs(redis.call('HKEYS', KEYS[1])) do
  if n >= limit then break end
  local marker = ARGV[1] .. id
  local v = redis.call('GET', marker)
  if v == '{{DONE}}' then
    redis.call('HDEL', KEYS[1], id)
  elseif not v then
    redis.call('SET', marker, '{{PENDING}}', 'PX', ARGV[2])
    table.insert(out, id)
    table.insert(out, redis.call('HGET', KEYS[1], id))
    n = n + 1
  end
end
return out
