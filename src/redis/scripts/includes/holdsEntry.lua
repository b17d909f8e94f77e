-- Whether this term may still write for an entry: the lease must be the term's and the entry still
-- this consumer's (in its pending list for a stream, in the processing list for a list). Answers
-- nil when it may, else the reason it may not: 'not_leader' or 'not_owner'.
local function holdsEntry(leaseKey, token, kind, queueKey, group, consumer, entry)
  if redis.call('GET', leaseKey) ~= token then
    return 'not_leader'
  end
  if kind == 'stream' then
    local pending = redis.pcall('XPENDING', queueKey, group, entry, entry, 1)
    -- No group (a new primary that lacks it): the entry is nobody's until it is read again.
    if pending['err'] or #pending == 0 or pending[1][2] ~= consumer then
      return 'not_owner'
    end
  elseif not redis.call('LPOS', queueKey, entry) then
    return 'not_owner'
  end
  return nil
end
