--[[
  A fencing bridge has seen a higher epoch than this term's (contract section 7): raise the epoch
  counter to at least that, so the next term's epoch is above it, and end this term.

  Input:
    KEYS[1] the lease (execution.leader)
    KEYS[2] the epoch counter (execution.leader.epoch)
    ARGV[1] this term's token, or '' when there is no term to end
    ARGV[2] the epoch the bridge has seen

  Output:
    the epoch counter after raising
]]
local current = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local seen = tonumber(ARGV[2]) or 0
if seen > current then
  redis.call('SET', KEYS[2], seen)
  current = seen
end
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return current
