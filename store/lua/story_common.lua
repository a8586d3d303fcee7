-- story_common holds the helpers every story script uses. Time comes from
-- Redis (TIME), so the clocks of the instances do not matter; since Redis 5
-- scripts replicate their effects, so reading TIME before writing is
-- allowed (the replicate_commands call is for older servers and a no-op
-- since).
--
-- The scripts are written for server time, which every Redis command of a
-- script costs on top of the script's own: each one makes as few calls as
-- the case needs (a new story under unused keys: 18 with three keys), reads
-- only what it returns, and builds no table it does not return.
if redis.replicate_commands then redis.replicate_commands() end

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- add_source records a later source on the story record at key: 1 added,
-- 0 already there (or the first source), 2 full, -1 the story is gone.
-- A later source is a field "r:<source id>" = "<order>\t<ms>\t<item id>",
-- and its headline a field "t:<source id>" (written in the same HSET).
local function add_source(key, src, item, at, maxsrc, title)
  local f = 'r:' .. src
  local v = redis.call('HMGET', key, 'created', 'first_source', f, 'nsrc')
  if not v[1] then return -1 end
  if v[2] == src or v[3] then return 0 end
  local n = tonumber(v[4] or '0')
  if n >= maxsrc then return 2 end
  if at == '0' then at = tostring(now_ms()) end
  redis.call('HSET', key, f, (n + 1) .. '\t' .. at .. '\t' .. item, 't:' .. src, title, 'nsrc', n + 1)
  return 1
end
