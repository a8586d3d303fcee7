-- save_offset stores the getUpdates offset if the caller holds the
-- poller's lease under the token of its take (fencing: a poller that
-- lost the lease while handling a batch must not overwrite what the new
-- holder stored) and only forwards, so a late write never makes Telegram
-- re-deliver.
--
-- KEYS[1] lease, KEYS[2] its fencing counter, KEYS[3] offset; ARGV[1]
-- holder, ARGV[2] token, ARGV[3] offset. Returns 1 if the caller holds
-- the lease (whether or not the value moved), 0 if not.
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return 0
end
local cur = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[3]) > cur then
  redis.call('SET', KEYS[3], ARGV[3])
end
return 1
