--[[
  Takes over stream entries that other consumers (a dead or former leader) read and left unsettled
  for at least the given idle time, while this term holds the lease. A former leader that runs this
  takes nothing from its successor.

  Input:
    KEYS[1] the lease (execution.leader)
    KEYS[2] the signal stream
    ARGV[1] this term's lease token
    ARGV[2] the consumer group
    ARGV[3] this consumer
    ARGV[4] the least idle time, in milliseconds
    ARGV[5] at most this many entries

  Output:
    the entries claimed, as XCLAIM answers them: {id, {field, value, …}}, …; {} when none
]]
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
return redis.call('XCLAIM', KEYS[2], ARGV[2], ARGV[3], ARGV[4], unpack(foreign))
