--[[
  Writes a value only while the lease is this term's: a former leader (frozen, then thawed) must
  not overwrite its successor's policy state.

  Input:
    KEYS[1] the lease (execution.leader)
    KEYS[2] the key to write (execution.failover.state)
    ARGV[1] this term's lease token
    ARGV[2] the value

  Output:
    1 written, 0 the lease is not this term's
]]
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[2], ARGV[2])
return 1
