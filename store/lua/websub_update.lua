-- websub_update sets fields of a WebSub subscription's hash only if the
-- subscription still exists, so that a late verification or push does not
-- bring back one that was deleted, and sets its TTL.
--
-- KEYS[1] the subscription's hash; ARGV[1] TTL in ms (0: unchanged);
-- ARGV[2..] field, value pairs. Returns 1 if updated, 0 if absent.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local fields = {}
for i = 2, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[1], unpack(fields))
if tonumber(ARGV[1]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 1
