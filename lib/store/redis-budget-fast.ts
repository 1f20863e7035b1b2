// The short ways of the budget scripts (redis-budget-scripts.ts), for what a request that counts whole uses asks
// (requireSignature: no byte range, size 0) of a budget that holds no byte ranges: the same steps, on the few fields
// they change. Anything else (a count an earlier version kept as a plain number, a budget with ranges, a settle with
// a claim) goes on to the full script, which follows use-budget.ts and settle-use.ts line for line. Each script
// costs Redis about as many microseconds as it makes calls: the full ones make five to seven (TYPE, HMGET of nine
// fields, HSET of nine, TTL, TIME, EXPIREAT), these two or three.
import { LEASE_SECONDS } from './use-budget.js'

// takeUse with ask.size 0 on a budget of size 0 (field z): no claims to credit, nothing to reset, no ask to record;
// only kept (lapsed holds), held, heldUntil and seq change. A new budget is written whole, with its lifetime; an
// existing one keeps the longest lifetime any guard asked, as the full script's write() does. redis.pcall: on a
// plain number (an earlier version's count) HMGET fails, and the full script takes that count over.
export const TAKE_WHOLE = `if tonumber(ARGV[6]) == 0 then
  local f = redis.pcall('HMGET', KEYS[1], 'k', 'h', 'u', 'n', 'z')
  if f.err == nil and (tonumber(f[5]) or 0) == 0 then
    local kept, held = tonumber(f[1]) or 0, tonumber(f[2]) or 0
    local heldUntil, seq = tonumber(f[3]) or 0, tonumber(f[4]) or 0
    local now, amount, limit = tonumber(ARGV[8]), tonumber(ARGV[1]), tonumber(ARGV[2])
    if held > 0 and now > heldUntil then
      kept = kept + held
      held = 0
    end
    if amount == 0 then
      if kept < limit then return 0 else return 'spent' end
    end
    if kept + held + amount > limit then
      if kept + amount <= limit then return 'held' end
      return 'spent'
    end
    held = held + amount
    heldUntil = math.max(heldUntil, now + ${LEASE_SECONDS})
    seq = seq + 1
    local k, h, u, n = string.format('%.0f', kept), string.format('%.0f', held), string.format('%.0f', heldUntil),
      string.format('%.0f', seq)
    if not (f[1] or f[2] or f[3] or f[4] or f[5]) then
      redis.call('HSET', KEYS[1], 'k', k, 'h', h, 'u', u, 'r', '0', 'c', '', 'n', n, 'a', '', 'z', '0', 'p', '')
      redis.call('EXPIREAT', KEYS[1], ARGV[7])
      return seq
    end
    redis.call('HSET', KEYS[1], 'k', k, 'h', h, 'u', u, 'n', n)
    local left = redis.call('TTL', KEYS[1])
    if left < 0 or tonumber(redis.call('TIME')[1]) + left < tonumber(ARGV[7]) then
      redis.call('EXPIREAT', KEYS[1], ARGV[7])
    end
    return seq
  end
end
`

// settleUse with ask.size 0 and no claim, on a budget with no credited claims pending (field p): only kept and held
// change (no claim goes back: with size 0 none can; none is recorded). Runs after the full script's first line,
// which writes nothing for a budget that lapsed.
export const SETTLE_WHOLE = `if tonumber(ARGV[5]) == 0 and ARGV[8] == '' then
  local f = redis.pcall('HMGET', KEYS[1], 'k', 'h', 'p')
  if f.err == nil and (not f[3] or f[3] == '') then
    local kept, held = tonumber(f[1]) or 0, tonumber(f[2]) or 0
    local amount, sent = tonumber(ARGV[2]), tonumber(ARGV[3])
    local fromHeld = math.min(held, amount)
    held = held - fromHeld
    kept = math.max(0, kept + sent - (amount - fromHeld))
    redis.call('HSET', KEYS[1], 'k', string.format('%.0f', kept), 'h', string.format('%.0f', held))
    return 1
  end
end
`
