-- story_retitle: see storyRetitleScript in store/stories.go.
-- include: story_common
-- include: story_index
local id = ARGV[5]
if redis.call('EXISTS', prefix .. id) == 0 then return 0 end
redis.call('HSET', prefix .. id, 'title', ARGV[6], 'data', ARGV[7])
local info = collect(0, {})
local seq = redis.call('INCR', KEYS[1])
index(id, seq, info)
if has_hash then redis.call('SET', KEYS[2], id, 'PX', window, 'NX') end
return 1
