--[[
  Moves up to a number of items from the signal list to its processing list without waiting (as
  LMOVE RIGHT LEFT does, oldest first), answering each cut to a bounded size (see
  includes/boundedItem.lua). One item at a time, so that the script never holds more than one
  whole item.

  Input:
    KEYS[1] the signal list (SIGNAL_QUEUE)
    KEYS[2] its processing list, <SIGNAL_QUEUE>:processing
    ARGV[1] at most this many items
    ARGV[2] the most bytes of an item answered (64 KiB)

  Output:
    for each item moved, oldest first, three values as boundedItem answers them; {} when none
]]
--- @include boundedItem
local out = {}
for _ = 1, tonumber(ARGV[1]) do
  local item = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not item then
    break
  end
  appendBoundedItem(out, item, tonumber(ARGV[2]))
end
return out
