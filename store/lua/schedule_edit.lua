-- schedule_edit: see scheduleEditScript in store/delivery.go.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', now - tonumber(ARGV[3])))
return redis.call('ZADD', KEYS[1], 'NX', ARGV[1], ARGV[2])
