--[[
  Before signals are sent to engines (contract section 3, attempt record), for several at once:
  signals read together are sent together, in one call. For each item: checks that this term may
  still act for the entry and that the signal id was not executed already; on the first attempt of
  this run, reports an earlier attempt that was never settled (a crash, a takeover, another copy)
  instead of replacing it; otherwise records the engine, the epoch and the send time (Redis server
  time) and, for a stream, resets the entry's idle time, so that a takeover counts from the send,
  not from the read.

  Input (a variable number of keys):
    KEYS[1]            the lease (execution.leader)
    KEYS[2]            the queue: the signal stream, or the list's processing list
    KEYS[1 + 2i]       item i's dedup record, <queue>:executed:<signal_id>   (i = 1 … n)
    KEYS[2 + 2i]       item i's attempt record, <queue>:attempt:<signal_id>
    ARGV[1]            this term's lease token
    ARGV[2]            the consumer group (stream only)
    ARGV[3]            the consumer (stream only)
    ARGV[4]            this term's epoch
    ARGV[5]            how long an attempt record is kept, in milliseconds
    ARGV[2 + 4i]       item i's kind: 'stream', 'list', or 'list-digest' (an item too large to keep,
                       named '<length>:<sha1>')
    ARGV[3 + 4i]       item i's entry id (stream), item text (list) or '<length>:<sha1>' (list-digest)
    ARGV[4 + 4i]       item i's engine
    ARGV[5 + 4i]       item i's '1' to report an attempt record already there rather than replace it

  Output, one per item:
    {'go', sent_at}                              recorded; sent_at in epoch milliseconds
    {'executed'}                                 the signal id was executed already
    {'unsettled', engine, epoch, sent_at, now}   an earlier attempt must be settled first
    {'not_leader'} or {'not_owner'}              nothing was written for it
]]
--- @include holdsEntry
local time = redis.call('TIME')
local now = tostring(tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
local leased = redis.call('GET', KEYS[1]) == ARGV[1]
local answers = {}
local items = (#KEYS - 2) / 2
for i = 1, items do
  local dedupKey, attemptKey = KEYS[1 + 2 * i], KEYS[2 + 2 * i]
  local kind, entry, engine, first = ARGV[2 + 4 * i], ARGV[3 + 4 * i], ARGV[4 + 4 * i], ARGV[5 + 4 * i]
  local refused = holdsEntry(leased, kind, KEYS[2], ARGV[2], ARGV[3], entry)
  if refused then
    answers[i] = {refused}
  elseif redis.call('EXISTS', dedupKey) == 1 then
    answers[i] = {'executed'}
  else
    local earlier = nil
    if first == '1' then
      local recordType = redis.call('TYPE', attemptKey)['ok']
      if recordType == 'hash' then
        local found = redis.call('HMGET', attemptKey, 'engine', 'epoch', 'sent_at')
        earlier = {'unsettled', found[1] or '', found[2] or '0', found[3] or now, now}
      elseif recordType == 'string' then
        -- Written by a version that kept only the engine: without a send time the full wait applies.
        earlier = {'unsettled', redis.call('GET', attemptKey), '0', now, now}
      end
    end
    if earlier then
      answers[i] = earlier
    else
      if kind == 'stream' then
        redis.call('XCLAIM', KEYS[2], ARGV[2], ARGV[3], 0, entry, 'JUSTID')
      end
      redis.call('DEL', attemptKey)
      redis.call('HSET', attemptKey, 'engine', engine, 'epoch', ARGV[4], 'sent_at', now)
      redis.call('PEXPIRE', attemptKey, ARGV[5])
      answers[i] = {'go', now}
    end
  end
end
return answers
