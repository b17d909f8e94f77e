--[[
  Trims the signal stream of the entries every consumer group is done with, while this term holds
  the lease: XTRIM MINID at the lowest boundary over the stream's groups, where a group's boundary
  is its oldest pending entry (delivered, not yet acknowledged) when it has one, else the entry
  after its last-delivered-id. Below it every entry was delivered to that group and acknowledged:
  an unsettled entry (pending) is never trimmed, nor one the group never read (after its
  last-delivered-id). Every group counts, not only SIGNAL_GROUP: another reader of the stream
  keeps what it has not read. A stream without a group is left alone: nothing on it was read.
  The boundary and the trim are one step, so no entry can be read or left pending between them.

  Input:
    KEYS[1] the lease (execution.leader)
    KEYS[2] the signal stream
    ARGV[1] this term's lease token

  Output:
    {trimmed, boundary}: the number of entries removed and the id below which they were ('' when
    nothing was looked at); {0, ''} when the lease is another's, or the stream or its groups do not
    exist
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {0, ''}
end
local groups = redis.pcall('XINFO', 'GROUPS', KEYS[2])
if groups['err'] or #groups == 0 then
  return {0, ''}
end

-- A stream id as two numbers; ms and seq of real ids fit a double exactly (seq is small in practice).
local function parse(id)
  local dash = string.find(id, '-', 1, true)
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end

local function lower(a, b)
  local aMs, aSeq = parse(a)
  local bMs, bSeq = parse(b)
  if aMs ~= bMs then
    return aMs < bMs
  end
  return aSeq < bSeq
end

-- The id right after `id`: the last delivered entry itself may go too. A sequence too large for a
-- double to count on by one keeps that entry, which is only ever safe.
local function successor(id)
  local ms, seq = parse(id)
  if seq >= 2 ^ 53 then
    return id
  end
  return string.format('%.0f-%.0f', ms, seq + 1)
end

local boundary = nil
for _, group in ipairs(groups) do
  local info = {}
  for index = 1, #group, 2 do
    info[group[index]] = group[index + 1]
  end
  local candidate
  local pending = redis.call('XPENDING', KEYS[2], info['name'])
  if pending[1] > 0 then
    candidate = pending[2]
  else
    candidate = successor(info['last-delivered-id'])
  end
  if boundary == nil or lower(candidate, boundary) then
    boundary = candidate
  end
end
return {redis.call('XTRIM', KEYS[2], 'MINID', '=', boundary), boundary}
