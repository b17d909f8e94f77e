--[[
  Gives the lease up if it is still this term's, so that a successor need not wait it out.

  Input:
    KEYS[1] the lease (execution.leader)
    ARGV[1] this term's token

  Output:
    1 released, 0 it was not this term's
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
