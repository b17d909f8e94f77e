-- A list item cut to bounded size, so that no reply carries more of an item than the service
-- keeps (a hostile producer's item may be any size). Answers, appended to `out`:
--   item, its length in bytes, ''                                 when at most maxBytes long
--   its first maxBytes bytes, its length, the SHA-1 (hex) of it   when longer: the service
--      names such an item by length and digest to remove it (includes/holdsEntry.lua)
local function appendBoundedItem(out, item, maxBytes)
  if #item <= maxBytes then
    out[#out + 1] = item
    out[#out + 1] = #item
    out[#out + 1] = ''
  else
    out[#out + 1] = string.sub(item, 1, maxBytes)
    out[#out + 1] = #item
    out[#out + 1] = redis.sha1hex(item)
  end
end
