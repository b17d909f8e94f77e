--[[
  Takes over stream entries that other consumers (a dead or former leader) read and left unsettled
  for at least the given idle time, while this term holds the lease. A former leader that runs this
  takes nothing from its successor. The entries are answered cut to a bounded size (see
  includes/boundedEntry.lua), read one at a time, so that neither the script nor its reply holds
  more than one whole entry.

  Input:
    KEYS[1] the lease (execution.leader)
    KEYS[2] the signal stream
    ARGV[1] this term's lease token
    ARGV[2] the consumer group
    ARGV[3] this consumer
    ARGV[4] the least idle time, in milliseconds
    ARGV[5] at most this many entries
    ARGV[6] the name of the signal field ('signal')
    ARGV[7] the most bytes of a signal answered (64 KiB)
    ARGV[8] the most fields answered of an entry without a signal field
    ARGV[9] the most bytes answered of such a field's name
    ARGV[10] the most bytes answered of such a field's value

  Output:
    the entries claimed, oldest first, each as boundedEntry answers it; {} when none
]]
--- @include boundedEntry
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {}
end
local pending = redis.pcall('XPENDING', KEYS[2], ARGV[2], 'IDLE', ARGV[4], '-', '+', ARGV[5])
if pending['err'] then
  return {}
end
local foreign = {}
for _, item in ipairs(pending) do
  if item[2] ~= ARGV[3] then
    foreign[#foreign + 1] = item[1]
  end
end
if #foreign == 0 then
  return {}
end
-- JUSTID (after the ids, where XCLAIM takes its options): the entries are read below one at a
-- time. XCLAIM drops the ones deleted from the stream from the pending list and answers none.
foreign[#foreign + 1] = 'JUSTID'
local claimed = redis.call('XCLAIM', KEYS[2], ARGV[2], ARGV[3], ARGV[4], unpack(foreign))
local entries = {}
for _, id in ipairs(claimed) do
  local read = redis.call('XRANGE', KEYS[2], id, id)[1]
  if read then
    entries[#entries + 1] = boundedEntry(read[1], read[2], ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]))
  end
end
return entries
