-- story_lookup: see storyLookupScript in store/stories.go.
-- include: story_common
-- include: story_index
local out = {tonumber(redis.call('GET', KEYS[1]) or '0'), 0}
if exact(out) then
  out[2] = 1
  return out
end
collect(0, out)
return out
