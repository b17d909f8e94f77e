--[[
  Before a signal is sent to an engine (contract section 3, attempt record): checks that this term
  may still act for the entry and that the signal id was not executed already; on the first attempt
  of this run, reports an earlier attempt that was never settled (a crash, a takeover) instead of
  replacing it; otherwise records the engine, the epoch and the send time (Redis server time) and,
  for a stream, resets the entry's idle time, so that a takeover counts from the send, not the read.

  Input:
    KEYS[1] the lease (execution.leader)
    KEYS[2] the queue: the signal stream, or the list's processing list
    KEYS[3] the dedup record, <queue>:executed:<signal_id>
    KEYS[4] the attempt record, <queue>:attempt:<signal_id>
    ARGV[1] this term's lease token
    ARGV[2] 'stream', 'list', or 'list-digest' for a list item named by its length and digest
    ARGV[3] the consumer group (stream only)
    ARGV[4] the consumer (stream only)
    ARGV[5] the entry id (stream), the item's text (list), or '<length>:<SHA-1 hex>' of the item
            (list-digest: an item larger than the service keeps, see includes/holdsEntry.lua)
    ARGV[6] the engine the signal goes to
    ARGV[7] this term's epoch
    ARGV[8] how long the attempt record is kept, in milliseconds
    ARGV[9] '1' to report an attempt record already there rather than replace it

  Output:
    {'go', sent_at}                              recorded; sent_at in epoch milliseconds
    {'executed'}                                 the signal id was executed already
    {'unsettled', engine, epoch, sent_at, now}   an earlier attempt must be settled first
    {'not_leader'} or {'not_owner'}              nothing was written
]]
--- @include holdsEntry
local refused = holdsEntry(KEYS[1], ARGV[1], ARGV[2], KEYS[2], ARGV[3], ARGV[4], ARGV[5])
if refused then
  return {refused}
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {'executed'}
end
local time = redis.call('TIME')
local now = tostring(tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
if ARGV[9] == '1' then
  local kind = redis.call('TYPE', KEYS[4])['ok']
  if kind == 'hash' then
    local earlier = redis.call('HMGET', KEYS[4], 'engine', 'epoch', 'sent_at')
    return {'unsettled', earlier[1] or '', earlier[2] or '0', earlier[3] or now, now}
  elseif kind == 'string' then
    -- Written by a version that kept only the engine: without a send time the full wait applies.
    return {'unsettled', redis.call('GET', KEYS[4]), '0', now, now}
  end
end
if ARGV[2] == 'stream' then
  redis.call('XCLAIM', KEYS[2], ARGV[3], ARGV[4], 0, ARGV[5], 'JUSTID')
end
redis.call('DEL', KEYS[4])
redis.call('HSET', KEYS[4], 'engine', ARGV[6], 'epoch', ARGV[7], 'sent_at', now)
redis.call('PEXPIRE', KEYS[4], ARGV[8])
return {'go', now}
