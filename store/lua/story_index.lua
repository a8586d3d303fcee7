-- story_index holds the helpers of the scripts that read or write the
-- index: KEYS the sequence, the hash key, then the key-token indexes (see
-- scriptKeys); ARGV the prefix of story records, window ms, cap, has-hash.
--
-- A story is live while its record exists: the record expires with the
-- window from the story's creation, so no clock is kept. Index entries of
-- expired stories are removed by the script that comes across them (a
-- lookup too); the cap and the key's TTL bound the rest.
local prefix = ARGV[1]
local window = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local has_hash = ARGV[4] == '1'

-- rec appends the story's record (7 strings) to out; false when it is gone.
local function rec(id, out)
  local v = redis.call('HMGET', prefix .. id, 'created', 'first_source', 'first_item', 'title', 'link', 'data')
  if not v[1] then return false end
  local n = #out
  out[n + 1] = id
  for i = 1, 6 do out[n + 1 + i] = v[i] or '' end
  return true
end

-- exact appends the live story holding the item's hash to out; its id or
-- nil.
local function exact(out)
  if not has_hash then return nil end
  local id = redis.call('GET', KEYS[2])
  if id and rec(id, out) then return id end
  return nil
end

-- collect appends to out the live stories indexed under the item's keys
-- after sequence number cursor, each once, newest first per key, and
-- removes the entries it came across whose story has expired. It returns
-- for index, per key, how many entries the index kept of those it read, or
-- nil when it read only the entries after the cursor (the usual: none).
local function collect(cursor, out)
  local seen, info = {}, {}
  for i = 3, #KEYS do
    local e
    if cursor == 0 then
      e = redis.call('ZREVRANGE', KEYS[i], 0, cap - 1)
    else
      e = redis.call('ZREVRANGEBYSCORE', KEYS[i], '+inf', '(' .. cursor, 'LIMIT', 0, cap)
    end
    local dead
    for j = 1, #e do
      local id = e[j]
      local live = seen[id]
      if live == nil then
        live = rec(id, out)
        seen[id] = live
      end
      if not live then
        dead = dead or {}
        dead[#dead + 1] = id
      end
    end
    if dead then redis.call('ZREM', KEYS[i], unpack(dead)) end
    if cursor == 0 then info[i] = #e - (dead and #dead or 0) end
  end
  return info
end

-- index records story id under the item's keys at sequence number seq,
-- and trims an index to the newest cap when it holds more: as collect saw
-- it, or else as ZCARD says (a read, cheaper in a script than a write).
local function index(id, seq, info)
  for i = 3, #KEYS do
    local k = KEYS[i]
    redis.call('ZADD', k, seq, id)
    local n = info[i]
    if n then n = n + 1 else n = redis.call('ZCARD', k) end
    if n > cap then redis.call('ZREMRANGEBYRANK', k, 0, -(cap + 1)) end
    redis.call('PEXPIRE', k, window)
  end
end
