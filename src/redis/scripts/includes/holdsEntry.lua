-- Whether this term may still write for an entry: the lease must be the term's (`leased`, read
-- once per call) and the entry still this consumer's (in its pending list for a stream, in the
-- processing list for a list). Answers nil when it may, else why not: 'not_leader' or 'not_owner'.
local function holdsEntry(leased, kind, queueKey, group, consumer, entry)
  if not leased then
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
