-- ack: see ackScript in store/delivery.go.
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.pcall('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
