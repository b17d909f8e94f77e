--[[
  The items of the processing list, each cut to a bounded size (see includes/boundedItem.lua),
  read a few at a time, so that the script never holds many whole items at once.

  Input:
    KEYS[1] the processing list, <SIGNAL_QUEUE>:processing
    ARGV[1] the most bytes of an item answered (64 KiB)

  Output:
    for each item, left (newest) to right (oldest), three values as boundedItem answers them
]]
--- @include boundedItem
local CHUNK = 16
local out = {}
local length = redis.call('LLEN', KEYS[1])
for first = 0, length - 1, CHUNK do
  for _, item in ipairs(redis.call('LRANGE', KEYS[1], first, first + CHUNK - 1)) do
    appendBoundedItem(out, item, tonumber(ARGV[1]))
  end
end
return out
