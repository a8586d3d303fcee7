-- ack: see ackScript in store/delivery.go.
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.pcall('XACK', KEYS[1], ARGV[1], ARGV[2])
if redis.call('XDEL', KEYS[1], ARGV[2]) == 1 and KEYS[3] then
  redis.call('HINCRBY', KEYS[3], 'sent', 1)
  redis.call('HSETNX', KEYS[3], 'first_sent', ARGV[5])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
return 1
