--[[
  Before signals are sent to engines (contract section 3, attempt record), for several at once:
  signals read together are sent together, in one call. For each item: checks that this term may
  still act for the entry and that the signal id was not executed already; on the first attempt of
  this run, reports an earlier attempt that was never settled (a crash, a takeover, another copy)
  instead of replacing it; otherwise records the engine, the epoch and the send time (Redis server
  time) and, for a stream, resets the entry's idle time, so that a takeover counts from the send,
  not from the read.

  Input:
    KEYS[1]            the lease (execution.leader)
    KEYS[2]            the queue: the signal stream, or the list's processing list
    ARGV[1]            this term's lease token
    ARGV[2]            the consumer group (stream only)
    ARGV[3]            the consumer (stream only)
    ARGV[4]            this term's epoch
    ARGV[5]            how long an attempt record is kept, in milliseconds
    ARGV[6]            SIGNAL_QUEUE: item i's dedup record <queue>:executed:<signal_id> and attempt
                       record <queue>:attempt:<signal_id> are named here, not passed as keys: an
                       argument per key cost the client more than the records, and the service runs
                       on a single primary (or Sentinel's), never on Redis Cluster
    ARGV[7]            the items, a JSON array, item after item (i = 1 … n), five values each:
                         its kind: 'stream', 'list', or 'list-digest' (an item too large to keep,
                           named '<length>:<sha1>');
                         the entry id (stream), the item's text (list) or '<length>:<sha1>'
                           (list-digest); or, for a list item that is not UTF-8 text (JSON cannot
                           carry it), the number n >= 8 of the argument ARGV[n] holding its bytes;
                         the signal id;
                         the engine;
                         '1' to report an attempt record already there rather than replace it
    ARGV[8 …]          the bytes of those list items, in the order the items name them

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
local items = cjson.decode(ARGV[7])
local prefix = ARGV[6]
for i = 1, #items / 5 do
  local at = 5 * i - 4
  local kind, entry, signalId, engine, first = items[at], items[at + 1], items[at + 2], items[at + 3], items[at + 4]
  if type(entry) == 'number' then
    entry = ARGV[entry]
  end
  local dedupKey, attemptKey = prefix .. ':executed:' .. signalId, prefix .. ':attempt:' .. signalId
  local refused = holdsEntry(leased, kind, KEYS[2], ARGV[2], ARGV[3], entry)
  if refused then
    answers[i] = {refused}
  elseif redis.call('EXISTS', dedupKey) == 1 then
    answers[i] = {'executed'}
  else
    local earlier = nil
    -- Unknown until TYPE says otherwise: a later attempt of this run replaces its own record.
    local recordType = nil
    if first == '1' then
      recordType = redis.call('TYPE', attemptKey)['ok']
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
      -- The common first attempt finds no record: no DEL, one command fewer per signal.
      if recordType ~= 'none' then
        redis.call('DEL', attemptKey)
      end
      redis.call('HSET', attemptKey, 'engine', engine, 'epoch', ARGV[4], 'sent_at', now)
      redis.call('PEXPIRE', attemptKey, ARGV[5])
      answers[i] = {'go', now}
    end
  end
end
return answers
