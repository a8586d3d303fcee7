-- reset_baseline: see resetBaselineScript in store/seen.go.
local cur = redis.call('GET', KEYS[3])
if cur == ARGV[2] and ARGV[3] ~= '1' then
  return 0
end
redis.call('SET', KEYS[3], ARGV[2], 'PX', tonumber(ARGV[1]))
if cur == false and ARGV[3] ~= '1' then
  return 0
end
redis.call('DEL', KEYS[1], KEYS[2])
return 1
