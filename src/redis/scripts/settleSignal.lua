--[[
  Records signals' outcomes and lets their entries go, several at once (signals that finished
  together), each only while this term holds its entry. Per item, the outcome entry is written
  first, so that Redis refusing it (a key of the wrong type) leaves that item wholly unwritten; the
  item then answers the error and the others go on. Then the dedup record of an executed signal,
  the removal of the attempt record, and the acknowledgement: XACK for a stream, LREM of one copy
  from the processing list for a list.

  Input (a variable number of keys):
    KEYS[1]            the lease (execution.leader)
    KEYS[2]            the queue: the signal stream, or the list's processing list
    KEYS[3i]           item i's outcome stream: EXECUTION_EVENTS or DEAD_LETTER_QUEUE   (i = 1 … n)
    KEYS[3i + 1]       item i's dedup record
    KEYS[3i + 2]       item i's attempt record
    ARGV[1]            this term's lease token
    ARGV[2]            the consumer group (stream only)
    ARGV[3]            the consumer (stream only)
    ARGV[4]            OUTCOME_STREAM_MAXLEN: the outcome streams keep about this many entries; '' for all
    then, item after item:
      its kind: 'stream', 'list', or 'list-digest' (an item too large to keep, named '<length>:<sha1>');
      the entry id (stream), the item's text (list) or '<length>:<sha1>' (list-digest);
      the dedup TTL in milliseconds for an executed outcome, else '';
      '1' to remove the attempt record;
      the number of outcome values that follow (field, value, …), then those values

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
local at = 5
local items = (#KEYS - 2) / 3
for i = 1, items do
  local outcomeStream, dedupKey, attemptKey = KEYS[3 * i], KEYS[3 * i + 1], KEYS[3 * i + 2]
  local kind, entry, dedupTtl, clearsAttempt = ARGV[at], ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  local count = tonumber(ARGV[at + 4])
  local fields = {}
  for f = 1, count do
    fields[f] = ARGV[at + 4 + f]
  end
  at = at + 5 + count
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
