-- lease_renew extends a lease only if the caller still holds it under the
-- token of its take: a holder whose lease expired and was taken must not
-- take it back.
--
-- KEYS[1] lease, KEYS[2] its fencing counter; ARGV[1] holder, ARGV[2] TTL
-- (ms), ARGV[3] token, ARGV[4] how long the counter outlives its last use
-- (ms). Returns 1 if renewed, 0 if the caller does not hold the lease.
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[3] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
