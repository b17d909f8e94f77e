--[[
  Records a signal's one outcome and lets its entry go, in one step, only while this term holds
  the entry. The outcome entry is written first, so that a command that fails (a key of the wrong
  type) aborts the script before anything else is written; then the dedup record of an executed
  signal, the removal of the attempt record, and the acknowledgement: XACK for a stream, LREM of
  one copy from the processing list for a list.

  Input:
    KEYS[1] the lease (execution.leader)
    KEYS[2] the queue: the signal stream, or the list's processing list
    KEYS[3] the outcome stream: EXECUTION_EVENTS or DEAD_LETTER_QUEUE
    KEYS[4] the dedup record, <queue>:executed:<signal_id>
    KEYS[5] the attempt record, <queue>:attempt:<signal_id>
    ARGV[1] this term's lease token
    ARGV[2] 'stream', 'list', or 'list-digest' for a list item named by its length and digest
    ARGV[3] the consumer group (stream only)
    ARGV[4] the consumer (stream only)
    ARGV[5] the entry id (stream), the item's text (list), or '<length>:<SHA-1 hex>' of the item
            (list-digest: an item larger than the service keeps, see includes/holdsEntry.lua)
    ARGV[6] for an executed outcome, how long the dedup record is kept in milliseconds; else ''
    ARGV[7] '1' to remove the attempt record (this entry made or took over the attempt)
    ARGV[8…] the outcome entry: field, value, field, value, …

  Output:
    'settled'
    'already_executed'  an executed outcome for a signal id that has a dedup record already
                        (another copy was recorded first): nothing written; record a duplicate
    'not_leader' or 'not_owner'   nothing written: whoever holds the entry records its outcome
]]
--- @include holdsEntry
local refused, held = holdsEntry(KEYS[1], ARGV[1], ARGV[2], KEYS[2], ARGV[3], ARGV[4], ARGV[5])
if refused then
  return refused
end
if ARGV[6] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then
  return 'already_executed'
end
redis.call('XADD', KEYS[3], '*', unpack(ARGV, 8))
if ARGV[6] ~= '' then
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[6])
end
if ARGV[7] == '1' then
  redis.call('DEL', KEYS[5])
end
if ARGV[2] == 'stream' then
  redis.call('XACK', KEYS[2], ARGV[3], ARGV[5])
else
  redis.call('LREM', KEYS[2], 1, held)
end
return 'settled'
