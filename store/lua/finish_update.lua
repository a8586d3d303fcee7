-- finish_update: see finishUpdateScript in store/telegram.go.
redis.call('SET', KEYS[1], '{{DONE}}', 'PX', ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
