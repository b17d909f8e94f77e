--[[
  Records signals' outcomes and lets their entries go, several at once (signals that finished
  together), each only while this term holds its entry. Per item, the outcome entry is written
  first, so that Redis refusing it (a key of the wrong type) leaves that item wholly unwritten; the
  item then answers the error and the others go on. Then the dedup record of an executed signal,
  the removal of the attempt record, the move of its engine's position (position affinity: in the
  same step, so a crash can neither lose nor double it), and the acknowledgement: XACK for a
  stream, LREM of one copy from the processing list for a list.

  Input (a variable number of keys):
    KEYS[1]            the lease (execution.leader)
    KEYS[2]            the queue: the signal stream, or the list's processing list
    KEYS[4i - 1]       item i's outcome stream: EXECUTION_EVENTS or DEAD_LETTER_QUEUE   (i = 1 … n)
    KEYS[4i]           item i's dedup record
    KEYS[4i + 1]       item i's attempt record
    KEYS[4i + 2]       item i's engine's positions, <queue>:positions:<engine> (position affinity)
    ARGV[1]            this term's lease token
    ARGV[2]            the consumer group (stream only)
    ARGV[3]            the consumer (stream only)
    ARGV[4]            OUTCOME_STREAM_MAXLEN: the outcome streams keep about this many entries; '' for all
    ARGV[5]            the number of outcome field names that follow, n
    ARGV[6 … 5 + n]    the outcome field names, in order (sent once: each item has a prefix of them)
    then, item after item:
      its kind: 'stream', 'list', or 'list-digest' (an item too large to keep, named '<length>:<sha1>');
      the entry id (stream), the item's text (list) or '<length>:<sha1>' (list-digest);
      the dedup TTL in milliseconds for an executed outcome, else '';
      '1' to remove the attempt record;
      the position's field (a JSON [strategy_id, symbol]) and the amount it moves by, or '' and '';
      the number of outcome values that follow, then those values: one per field name, in order

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
local names = tonumber(ARGV[5])
local at = 6 + names
local items = (#KEYS - 2) / 4
for i = 1, items do
  local outcomeStream, dedupKey, attemptKey, positionsKey = KEYS[4 * i - 1], KEYS[4 * i], KEYS[4 * i + 1], KEYS[4 * i + 2]
  local kind, entry, dedupTtl, clearsAttempt = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  local positionField, positionAmount = ARGV[at + 4], ARGV[at + 5]
  local count = tonumber(ARGV[at + 6])
  local fields = {}
  for f = 1, count do
    fields[2 * f - 1] = ARGV[5 + f]
    fields[2 * f] = ARGV[at + 6 + f]
  end
  at = at + 7 + count
  local refused, held = holdsEntry(leased, kind, KEYS[2], ARGV[2], ARGV[3], entry)
  if refused then
    answers[i] = refused
  elseif dedupTtl ~= '' and redis.call('EXISTS', dedupKey) == 1 then
    answers[i] = 'already_executed'
  else
    local added
    if ARGV[4] == '' then
      added = redis.pcall('XADD', outcomeStream, '*', unpack(fields))
    else
      added = redis.pcall('XADD', outcomeStream, 'MAXLEN', '~', ARGV[4], '*', unpack(fields))
    end
    if type(added) == 'table' and added['err'] then
      answers[i] = {'error', added['err']}
    else
      if dedupTtl ~= '' then
        redis.call('SET', dedupKey, '1', 'PX', dedupTtl)
      end
      if clearsAttempt == '1' then
        redis.call('DEL', attemptKey)
      end
      if positionAmount ~= '' then
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
