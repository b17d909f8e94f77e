--[[
  Extends the lease while it is still this term's.

  Input:
    KEYS[1] the lease (execution.leader)
    ARGV[1] this term's token
    ARGV[2] the lease in milliseconds

  Output:
    1 renewed, 0 the lease is not this term's any more
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
