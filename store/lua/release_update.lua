-- release_update: see releaseUpdateScript in store/telegram.go.
if redis.call('GET', KEYS[1]) == '{{PENDING}}' then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
