-- lease_take takes a lease if it is free, or extends it if the caller
-- already holds it (so a holder that lost track after a Redis error gets
-- it back without waiting for the expiry). A new holder gets the next
-- fencing token; a holder extending its own lease keeps its token.
--
-- KEYS[1] lease (the holder id), KEYS[2] its fencing counter; ARGV[1]
-- holder, ARGV[2] TTL (ms), ARGV[3] how long the counter outlives its
-- last use (ms). Returns {1, token} when the caller holds the lease now,
-- else {0, the other holder's PTTL (ms)}.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local token = redis.call('INCR', KEYS[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return {1, token}
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  local token = tonumber(redis.call('GET', KEYS[2]) or '0')
  if token == 0 then
    -- A lease taken before it had a counter.
    token = redis.call('INCR', KEYS[2])
  end
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return {1, token}
end
return {0, redis.call('PTTL', KEYS[1])}
