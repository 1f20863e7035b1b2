// The Lua scripts of the Redis store's use budgets: the steps of use-budget.ts and settle-use.ts, line for line. Each
// runs atomically on the node that holds the link's key.
import { SETTLE_WHOLE, TAKE_WHOLE } from './redis-budget-fast.js'
import { LEASE_SECONDS, MAX_ASKS, MAX_CLAIMS, MAX_PENDING, USE } from './use-budget.js'

// One link's budget (use-budget.ts, whose steps these scripts follow line for line) lives in the hash KEYS[1]:
// k kept, h held, u heldUntil, r credited, c claims ("start end start end ..."), n seq, a asks ("start end ticket
// ..."), z size, p pending ("ticket start end credit ..."). A count that an earlier version kept as a plain number (the kept amount) is taken over first, keeping its
// lifetime; holds nobody vouched for in time lapse into kept.
const BUDGET = `local function num(s) return tonumber(s) or 0 end
local function int(n) return string.format('%.0f', n) end
local function list(s)
  local out = {}
  for n in string.gmatch(s or '', '%d+') do out[#out + 1] = tonumber(n) end
  return out
end
local function spell(l)
  local out = {}
  for i = 1, #l do out[i] = int(l[i]) end
  return table.concat(out, ' ')
end
if redis.call('TYPE', KEYS[1])['ok'] == 'string' then
  local was = math.max(0, num(redis.call('GET', KEYS[1])))
  local ttl = redis.call('PTTL', KEYS[1])
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'k', int(was), 'h', '0', 'u', '0', 'r', '0', 'c', '', 'n', '0', 'a', '', 'z', '0', 'p', '')
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
local f = redis.call('HMGET', KEYS[1], 'k', 'h', 'u', 'r', 'c', 'n', 'a', 'z', 'p')
local kept, held, heldUntil, credited, claims = num(f[1]), num(f[2]), num(f[3]), num(f[4]), list(f[5])
local seq, asks, bytes, pending = num(f[6]), list(f[7]), num(f[8]), list(f[9])
local function write(expireAt)
  redis.call('HSET', KEYS[1], 'k', int(kept), 'h', int(held), 'u', int(heldUntil), 'r', int(credited), 'c',
    spell(claims), 'n', int(seq), 'a', spell(asks), 'z', int(bytes), 'p', spell(pending))
  -- Kept as long as the longest any guard asked (guards with other clock tolerances may share it).
  if expireAt then
    local left = redis.call('TTL', KEYS[1])
    if left < 0 or tonumber(redis.call('TIME')[1]) + left < tonumber(expireAt) then
      redis.call('EXPIREAT', KEYS[1], expireAt)
    end
  end
end
local function overlapOf(l, start, stop)
  local total = 0
  for i = 1, #l, 2 do
    local from, to = math.max(l[i], start), math.min(l[i + 1], stop)
    if to > from then total = total + to - from end
  end
  return total
end
local function subtract(l, start, stop)
  local left = {}
  for i = 1, #l, 2 do
    local from, to = l[i], l[i + 1]
    if to <= start or from >= stop then
      left[#left + 1] = from
      left[#left + 1] = to
    else
      if from < start then
        left[#left + 1] = from
        left[#left + 1] = start
      end
      if to > stop then
        left[#left + 1] = stop
        left[#left + 1] = to
      end
    end
  end
  return left
end
local function creditFor(overlap, resend, size)
  local credit = math.min(math.floor(overlap / size * ${USE}), resend - credited, kept)
  if credit > 0 then return credit end
  return 0
end
`
// Takes ARGV amount, limit, resend, start, end, size of the budget (kept until ARGV[7], Unix seconds) at ARGV[8]
// (now): a ticket (a number), 'held' or 'spent', as takeUse. Whole uses take the short way (redis-budget-fast.ts).
export const TAKE = `${TAKE_WHOLE}${BUDGET}local now = tonumber(ARGV[8])
if held > 0 and now > heldUntil then
  kept = kept + held
  held = 0
end
local amount, limit, resend = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local start, stop, size = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if amount == 0 then
  if kept < limit then return 0 else return 'spent' end
end
if size ~= bytes then
  claims, asks, pending, bytes = {}, {}, {}, size
end
local room = math.min(resend - credited, kept)
local credits = {}
local credit = 0
if size > 0 then
  for i = 1, #claims, 2 do
    if room <= 0 then break end
    local from, to = math.max(claims[i], start), math.min(claims[i + 1], stop)
    local worth = 0
    if to > from then worth = math.min(math.floor((to - from) / size * ${USE}), room) end
    if worth > 0 then
      credits[#credits + 1] = from
      credits[#credits + 1] = to
      credits[#credits + 1] = worth
      room = room - worth
      credit = credit + worth
    end
  end
end
if kept - credit + held + amount <= limit then
  kept = kept - credit
  held = held + amount
  heldUntil = math.max(heldUntil, now + ${LEASE_SECONDS})
  credited = credited + credit
  seq = seq + 1
  for i = 1, #credits, 3 do
    claims = subtract(claims, credits[i], credits[i + 1])
    pending[#pending + 1] = seq
    pending[#pending + 1] = credits[i]
    pending[#pending + 1] = credits[i + 1]
    pending[#pending + 1] = credits[i + 2]
  end
  while #pending > ${4 * MAX_PENDING} do
    for _ = 1, 4 do table.remove(pending, 1) end
  end
  if size > 0 then
    asks[#asks + 1] = start
    asks[#asks + 1] = stop
    asks[#asks + 1] = seq
    while #asks > ${3 * MAX_ASKS} do
      for _ = 1, 3 do table.remove(asks, 1) end
    end
  end
  write(ARGV[7])
  return seq
end
if kept - credit + amount <= limit then return 'held' end
return 'spent'`
// Settles ARGV ticket, amount, kept, resend, size, start, end, with the claim [ARGV[8], ARGV[9]) when given, as
// settleUse; nothing for a budget that lapsed. Whole uses take the short way (redis-budget-fast.ts).
export const SETTLE = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
${SETTLE_WHOLE}${BUDGET}local ticket, amount, sent = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local resend, size, start, stop = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local fromHeld = math.min(held, amount)
held = held - fromHeld
kept = math.max(0, kept + sent - (amount - fromHeld))
local through = start
if ARGV[8] ~= '' then through = tonumber(ARGV[9]) elseif sent > 0 then through = stop end
local left = {}
for i = 1, #pending, 4 do
  if pending[i] ~= ticket then
    for j = 0, 3 do left[#left + 1] = pending[i + j] end
  else
    local from, to = math.max(pending[i + 1], through), pending[i + 2]
    if to > from and size > 0 then
      local back = math.min(pending[i + 3], math.ceil((to - from) / size * ${USE}))
      kept = kept + back
      credited = credited - back
      claims[#claims + 1] = from
      claims[#claims + 1] = to
    end
  end
end
pending = left
while #claims > ${2 * MAX_CLAIMS} do
  table.remove(claims, 1)
  table.remove(claims, 1)
end
if ARGV[8] ~= '' and tonumber(ARGV[9]) > tonumber(ARGV[8]) and size == bytes then
  local claim = { tonumber(ARGV[8]), tonumber(ARGV[9]) }
  local overlap = 0
  for i = 1, #asks, 3 do
    if asks[i + 2] > ticket then
      overlap = overlap + overlapOf(claim, asks[i], asks[i + 1])
      claim = subtract(claim, asks[i], asks[i + 1])
    end
  end
  if overlap > 0 and size > 0 then
    local credit = creditFor(overlap, resend, size)
    kept = kept - credit
    credited = credited + credit
  end
  for i = 1, #claim do claims[#claims + 1] = claim[i] end
  while #claims > ${2 * MAX_CLAIMS} do
    table.remove(claims, 1)
    table.remove(claims, 1)
  end
end
write(nil)
return 1`
// Renews the holds' lease at ARGV[1] (now), as renewUse.
export const RENEW = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
${BUDGET}if held > 0 then heldUntil = math.max(heldUntil, tonumber(ARGV[1]) + ${LEASE_SECONDS}) end
write(nil)
return 1`
