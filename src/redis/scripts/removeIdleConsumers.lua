--[[
  Removes the consumers of the signal stream's group that have nothing pending and have been idle
  at least the given time, never this consumer, while this term holds the lease. Every new host
  name or port adds a consumer to the group for good; this keeps the group to the live ones. The
  check and the removal are one step: XGROUP DELCONSUMER drops a consumer's pending entries with
  it, and a consumer that got an entry between a separate check and the removal would lose it.

  Input:
    KEYS[1] the lease (execution.leader)
    KEYS[2] the signal stream
    ARGV[1] this term's lease token
    ARGV[2] the consumer group
    ARGV[3] this consumer (never removed)
    ARGV[4] the least idle time, in milliseconds

  Output:
    the names of the consumers removed; {} when none, when the lease is another's, or when the
    group does not exist
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return {}
end
local consumers = redis.pcall('XINFO', 'CONSUMERS', KEYS[2], ARGV[2])
if consumers['err'] then
  return {}
end
local minIdle = tonumber(ARGV[4])
local removed = {}
for _, consumer in ipairs(consumers) do
  -- Each consumer is a flat list of name, value pairs (name, pending, idle; Redis 7.2 adds inactive).
  local info = {}
  for index = 1, #consumer, 2 do
    info[consumer[index]] = consumer[index + 1]
  end
  if info['name'] ~= ARGV[3] and info['pending'] == 0 and type(info['idle']) == 'number' and info['idle'] >= minIdle then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[2], ARGV[2], info['name'])
    removed[#removed + 1] = info['name']
  end
end
return removed
