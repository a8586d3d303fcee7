-- reserve: see reserveScript in store/ratelimit.go.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local gT, gB = tonumber(ARGV[1]), tonumber(ARGV[2])
local cT, cB = tonumber(ARGV[3]), tonumber(ARGV[4])
local ahead = tonumber(ARGV[5])
local margin = tonumber(ARGV[6])

local pen = math.max(tonumber(redis.call('GET', KEYS[3]) or '0'), tonumber(redis.call('GET', KEYS[4]) or '0'))
if pen > now then
  return {1, string.format('%.0f', pen - now), string.format('%.0f', now)}
end

local cTAT = 0
if cT > 0 then
  cTAT = tonumber(redis.call('GET', KEYS[2]) or '0')
  local allowed = cTAT - (cB - 1) * cT
  if allowed > now then
    return {2, string.format('%.0f', allowed - now), string.format('%.0f', now)}
  end
end

local gTAT = 0
if gT > 0 then
  gTAT = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local slot = math.max(now, gTAT - (gB - 1) * gT)
if slot - now > ahead then
  return {3, string.format('%.0f', slot - now), string.format('%.0f', now)}
end

-- Each key expires a little after its TAT: from then on a missing key
-- means the same as the stored TAT (max(TAT, now) = now), so nothing is
-- lost. An unlimited limiter (interval 0) keeps no key.
local function book(key, tat)
  redis.call('SET', key, string.format('%.0f', tat), 'PX', string.format('%.0f', math.floor((tat - now) / 1000) + margin))
end
if gT > 0 then book(KEYS[1], math.max(gTAT, slot) + gT) end
if cT > 0 then book(KEYS[2], math.max(cTAT, slot) + cT) end
return {0, string.format('%.0f', slot - now), string.format('%.0f', now)}
