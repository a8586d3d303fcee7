-- begin_update: see beginUpdateScript in store/telegram.go.
if redis.call('SET', KEYS[1], '{{PENDING}}', 'NX', 'PX', ARGV[1]) then
  if ARGV[3] ~= '' then
    redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  end
  return 'new'
end
return redis.call('GET', KEYS[1])
