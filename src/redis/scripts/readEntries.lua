--[[
  Reads entries of the signal stream for this consumer without waiting, each cut to a bounded size
  (see includes/boundedEntry.lua): new ones ('>', which puts them in this consumer's pending list,
  as XREADGROUP does), or this consumer's own pending ones after a given id. One entry at a time,
  so that the script itself never holds more than one whole entry.

  Input:
    KEYS[1] the signal stream
    ARGV[1] the consumer group
    ARGV[2] this consumer
    ARGV[3] '>' for new entries, or the id after which to read this consumer's pending ones
    ARGV[4] at most this many entries
    ARGV[5] the name of the signal field ('signal')
    ARGV[6] the most bytes of a signal answered (64 KiB)
    ARGV[7] the most fields answered of an entry without a signal field
    ARGV[8] the most bytes answered of such a field's name
    ARGV[9] the most bytes answered of such a field's value

  Output:
    the entries, oldest first, each as boundedEntry answers it; {} when none
    a NOGROUP error when the group (or the stream) does not exist
]]
--- @include boundedEntry
local after = ARGV[3]
local entries = {}
for _ = 1, tonumber(ARGV[4]) do
  local reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[1], after)
  local read = reply and reply[1] and reply[1][2] and reply[1][2][1]
  if not read then
    break
  end
  entries[#entries + 1] = boundedEntry(read[1], read[2], ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]))
  if after ~= '>' then
    after = read[1]
  end
end
return entries
