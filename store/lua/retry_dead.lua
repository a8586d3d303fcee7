-- retry_dead: see retryDeadScript in store/deadletters.go.
if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then
  return 0
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
if redis.call('HINCRBY', KEYS[3], 'dead', -1) < 0 then
  redis.call('HSET', KEYS[3], 'dead', 0)
end
redis.call('PEXPIRE', KEYS[3], ARGV[1])
return 1
