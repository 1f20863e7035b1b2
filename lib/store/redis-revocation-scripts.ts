// The Lua scripts of the Redis store's revocations: the set and its channel, whose messages are numbered so that a
// process can tell it missed some. Each runs atomically on the node that holds the set.

// Every message on the channel KEYS[2] carries the next number of one count, kept in the set KEYS[1] itself as the
// member '#seq' (its score is minus the count: revocations' scores, Unix times, are positive). The set and the
// channel share one name, so on a Cluster they share a slot and the script runs on one node, whatever the prefix.
// A count that is not a whole number below 2^53 (written by hand: inf, a fraction) starts again from 1, which every
// process takes for a gap: messages always stay JSON.
const NUMBERED = `local function publish(message)
  local seq = -tonumber(redis.call('ZINCRBY', KEYS[1], -1, '#seq'))
  if not (seq >= 1 and seq < 9007199254740992 and seq == math.floor(seq)) then
    redis.call('ZADD', KEYS[1], -1, '#seq')
    seq = 1
  end
  redis.call('PUBLISH', KEYS[2], '{"seq":' .. string.format('%.0f', seq) .. ',' .. string.sub(message, 2))
end
`
// Adds revocation ARGV[1] (lapsing at ARGV[2]) to the set, drops lapsed ones (before ARGV[3]), and tells every
// process: one step, so none can read the set without it and miss the message.
export const REVOKE = `${NUMBERED}redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '0', ARGV[3])
publish(ARGV[1])
return 1`
// A heartbeat ARGV[1] on the channel: proof the subscription still hears, and a number that shows a gap.
export const BEAT = `${NUMBERED}publish(ARGV[1])
return 1`
