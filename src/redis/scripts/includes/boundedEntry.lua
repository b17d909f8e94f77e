-- A stream entry cut to bounded size, so that no reply carries more of an entry than the service
-- keeps (a hostile producer's entry may be any size). Answers, by what the entry holds:
--   {id, 'signal', first maxSignal bytes of the signal field, its length in bytes}
--   {id, 'fields', number of fields, {name, name bytes, value, value bytes, …}} without a signal
--      field: the first maxFields fields, names cut to maxName bytes, values to maxValue bytes
--   {id, 'deleted'} for a pending entry deleted from the stream (its fields are nil)
local function boundedEntry(id, fields, signalField, maxSignal, maxFields, maxName, maxValue)
  if not fields then
    return {id, 'deleted'}
  end
  for index = 1, #fields, 2 do
    if fields[index] == signalField then
      local value = fields[index + 1]
      return {id, 'signal', string.sub(value, 1, maxSignal), #value}
    end
  end
  local kept = {}
  for index = 1, math.min(#fields, 2 * maxFields), 2 do
    local name, value = fields[index], fields[index + 1]
    kept[#kept + 1] = string.sub(name, 1, maxName)
    kept[#kept + 1] = #name
    kept[#kept + 1] = string.sub(value, 1, maxValue)
    kept[#kept + 1] = #value
  end
  return {id, 'fields', math.floor(#fields / 2), kept}
end
