-- The item of a processing list that `entry` names, or nil when it is not there. Kind 'list':
-- `entry` is the item itself. Kind 'list-digest': `entry` is '<length>:<SHA-1 hex>' of an item too
-- large for the service to keep (includes/boundedItem.lua); the list is searched from its oldest
-- end, a few items at a time, for an item of that length and digest.
local function findListItem(queueKey, kind, entry)
  if kind == 'list' then
    if redis.call('LPOS', queueKey, entry) then
      return entry
    end
    return nil
  end
  local colon = string.find(entry, ':', 1, true)
  if not colon then
    return nil
  end
  local length, digest = tonumber(string.sub(entry, 1, colon - 1)), string.sub(entry, colon + 1)
  local total = redis.call('LLEN', queueKey)
  for last = -1, -total, -16 do
    for _, item in ipairs(redis.call('LRANGE', queueKey, last - 15, last)) do
      if #item == length and redis.sha1hex(item) == digest then
        return item
      end
    end
  end
  return nil
end

-- Whether this term may still write for an entry: the lease must be the term's (`leased`, read
-- once per call) and the entry still this consumer's (in its pending list for a stream, in the
-- processing list for a list). Answers nil and the entry as the queue key holds it (a list's item
-- itself) when it may, else the reason it may not: 'not_leader' or 'not_owner'.
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
    return nil, entry
  end
  local item = findListItem(queueKey, kind, entry)
  if not item then
    return 'not_owner'
  end
  return nil, item
end
