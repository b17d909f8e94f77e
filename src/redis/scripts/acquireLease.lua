--[[
  Takes the leader lease when it is free, or when it is still held by a holder known to be dead
  (this instance's previous run), and opens a leader term whose epoch is above every earlier one.

  Input:
    KEYS[1] the lease (execution.leader)
    KEYS[2] the epoch counter (execution.leader.epoch)
    ARGV[1] this holder: a JSON object (consumer, host, pid, run)
    ARGV[2] the lease in milliseconds
    ARGV[3] the exact value of a dead holder that may be replaced, or ''

  Output:
    {1, token, epoch}  won: token (the holder with its epoch) is now the value of KEYS[1]
    {0, holder}        another holder has it
]]
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[3] then
  return {0, current}
end
local epoch = redis.call('INCR', KEYS[2])
local holder = cjson.decode(ARGV[1])
holder['epoch'] = epoch
local token = cjson.encode(holder)
redis.call('SET', KEYS[1], token, 'PX', ARGV[2])
return {1, token, epoch}
