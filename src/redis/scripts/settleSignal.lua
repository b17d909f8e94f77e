--[[
  Records signals' outcomes and lets their entries go, several at once (signals that finished
  together), each only while this term holds its entry. Per item: an executed outcome's dedup
  record (SET NX, which also finds another copy's), then the outcome entry; when Redis refuses that
  (a key of the wrong type), the dedup record is taken back, the item is wholly unwritten, it
  answers the error and the others go on. Then the removal of the attempt record, the move of its
  engine's position (position affinity: in the same step, so a crash can neither lose nor double
  it), and the acknowledgement: XACK for a stream, LREM of one copy from the processing list for a
  list.

  Input:
    KEYS[1]            the lease (execution.leader)
    KEYS[2]            the queue: the signal stream, or the list's processing list
    KEYS[3]            EXECUTION_EVENTS
    KEYS[4]            DEAD_LETTER_QUEUE
    ARGV[1]            this term's lease token
    ARGV[2]            the consumer group (stream only)
    ARGV[3]            the consumer (stream only)
    ARGV[4]            OUTCOME_STREAM_MAXLEN: the outcome streams keep about this many entries; '' for all
    ARGV[5]            SIGNAL_QUEUE: item i's dedup record <queue>:executed:<signal_id>, attempt
                       record <queue>:attempt:<signal_id> and engine's positions
                       <queue>:positions:<engine> (position affinity) are named here, not passed as
                       keys: an argument per key cost the client more than the records, and the
                       service runs on a single primary (or Sentinel's), never on Redis Cluster
    ARGV[6]            the number of outcome field names that follow, m
    ARGV[7 … 6 + m]    the outcome field names, in order (sent once: each item has a prefix of them)
    ARGV[7 + m]        the items, a JSON array, item after item (i = 1 … n):
                         its kind: 'stream', 'list', or 'list-digest' (an item too large to keep,
                           named '<length>:<sha1>');
                         the entry id (stream), the item's text (list) or '<length>:<sha1>'
                           (list-digest); or, for a list item that is not UTF-8 text (JSON cannot
                           carry it), the number k >= 8 + m of the argument ARGV[k] holding its bytes;
                         its outcome stream: 'events' (KEYS[3]) or 'dead_letter' (KEYS[4]);
                         the signal id;
                         the dedup TTL in milliseconds for an executed outcome, else '';
                         '1' to remove the attempt record;
                         the engine whose position moves, the position's field (a JSON
                           [strategy_id, symbol]) and the amount it moves by, or '', '' and '';
                         the number of outcome values that follow (a JSON number), then those
                           values: one per field name, in order
    ARGV[8 + m …]      the bytes of those list items, in the order the items name them

  Output, one per item:
    'settled'
    'already_executed'  an executed outcome for a signal id that has a dedup record already
                        (another copy was recorded first): nothing written; record a duplicate
    'not_leader' or 'not_owner'   nothing written: whoever holds the entry records its outcome
    {'error', message}  Redis refused the outcome entry; nothing written for it
]]
--- @include holdsEntry
local leased = redis.call('GET', KEYS[1]) == ARGV[1]
local answers = {}
local names = tonumber(ARGV[6])
local items = cjson.decode(ARGV[7 + names])
local prefix = ARGV[5]
local at = 1
local i = 0
while at <= #items do
  i = i + 1
  local kind, entry, stream, signalId = items[at], items[at + 1], items[at + 2], items[at + 3]
  local dedupTtl, clearsAttempt = items[at + 4], items[at + 5]
  local positionEngine, positionField, positionAmount = items[at + 6], items[at + 7], items[at + 8]
  local count = items[at + 9]
  local fields = {}
  for f = 1, count do
    fields[2 * f - 1] = ARGV[6 + f]
    fields[2 * f] = items[at + 9 + f]
  end
  at = at + 10 + count
  if type(entry) == 'number' then
    entry = ARGV[entry]
  end
  local outcomeStream = KEYS[4]
  if stream == 'events' then
    outcomeStream = KEYS[3]
  end
  local dedupKey, attemptKey = prefix .. ':executed:' .. signalId, prefix .. ':attempt:' .. signalId
  local refused, held = holdsEntry(leased, kind, KEYS[2], ARGV[2], ARGV[3], entry)
  if refused then
    answers[i] = refused
  -- An executed outcome takes its dedup record first, in the same command that finds another
  -- copy's: SET NX answers nil when the signal id was recorded already.
  elseif dedupTtl ~= '' and not redis.call('SET', dedupKey, '1', 'PX', dedupTtl, 'NX') then
    answers[i] = 'already_executed'
  else
    local added
    if ARGV[4] == '' then
      added = redis.pcall('XADD', outcomeStream, '*', unpack(fields))
    else
      added = redis.pcall('XADD', outcomeStream, 'MAXLEN', '~', ARGV[4], '*', unpack(fields))
    end
    if type(added) == 'table' and added['err'] then
      -- Taken back, so that the item stays wholly unwritten.
      if dedupTtl ~= '' then
        redis.call('DEL', dedupKey)
      end
      answers[i] = {'error', added['err']}
    else
      if clearsAttempt == '1' then
        redis.call('DEL', attemptKey)
      end
      if positionAmount ~= '' then
        local positionsKey = prefix .. ':positions:' .. positionEngine
        -- A flat position leaves the hash, dust of decimal sums included.
        local net = tonumber(redis.call('HINCRBYFLOAT', positionsKey, positionField, positionAmount))
        if math.abs(net) < 1e-9 then
          redis.call('HDEL', positionsKey, positionField)
        end
      end
      if kind == 'stream' then
        redis.call('XACK', KEYS[2], ARGV[2], entry)
      else
        redis.call('LREM', KEYS[2], 1, held)
      end
      answers[i] = 'settled'
    end
  end
end
return answers
