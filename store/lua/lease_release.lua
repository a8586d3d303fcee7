-- lease_release deletes a lease only if the caller holds it. The fencing
-- counter stays, so the next holder's token is higher.
--
-- KEYS[1] lease; ARGV[1] holder. Returns 1 if released, 0 otherwise.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
