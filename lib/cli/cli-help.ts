// The command line's help: every command and option it takes, and where the key comes from.

/** What --help prints, and what follows a usage error. */
export const HELP = `Usage: express-signed-url <command> [options]

Commands:
  sign <path>            Print a signed link for a path (decoded, e.g. 'private/a b.png').
      --ttl <duration>       Lifetime: seconds or 90s, 10m, 12h, 7d (default 1h; at most 7d).
      --expires-at <unix>    Absolute expiry in Unix seconds, instead of --ttl.
      --base-url <origin>    Make the link absolute, e.g. https://files.example.com.
      --scope <folder>       Make the link grant a whole folder: 'prefix' for a path ending in /, or a folder
                             that contains the path (e.g. --scope videos/42/ for videos/42/index.m3u8).
      --stable-for <duration>  Round the expiry up to a multiple of this window, so links made within one
                             window are identical and browsers reuse their cached copy (e.g. 10m).
      --not-before <time>    The link works from this time: Unix seconds or an ISO date with a zone
                             (2026-12-24T09:00:00Z).
      --ip <address|cidr>    Serve the link only to these client addresses (repeat for several, up to 16).
      --filename <name>      Serve the file with Content-Disposition under this download name.
      --disposition <type>   attachment (save; the default with --filename) or inline (show).
      --method <get|put>     put makes an upload link (ittybit's method=put), which never reads.
      --max-bytes <n>        For an upload link: the most bytes the upload may have.
      --content-type <type>  For an upload link: a media type it may be sent as (repeat for several).
      --sha256 <digest>      For an upload link: the base64url SHA-256 of the exact content.
      --uses <n>             A limited-use link: served n times (counted by the guard's store), then 410.
  verify <url-or-path>   Say what a link grants and for how long (exit 0), or why it is refused (exit 1).
      --method <method>      The request method to check (default GET; PUT for an upload link).
      --ip <address>         The client address to check a link bound to addresses against.
  revoke <url|grant>     Take back one link (or grant cookie value) in the Redis store at REDIS_URL, for every
                         process that shares it, until the link would have expired. Needs no key (but --worker does).
  revoke --folder <folder>  Take back every link and grant under a folder ('/' for all):
      --issued-before <time>   made at or before this time (Unix seconds or an ISO date; default now), or
      --expiring-before <time> expiring before it;
      --max-ttl <duration>     the signers' longest lifetime, how long an --issued-before revocation lasts (7d).
      --worker <origin>        also (or instead) send it to the Worker example at this origin, signed with the
                               key (SIGNING_KEY, SIGNING_KEYS or --key-file), which it checks.
      REDIS_PREFIX names the store's key prefix if the app gives createRedisStore another (default signed-url:).
  keygen                 Print a new random key: 32 bytes, base64url.
  --version, -v          Print the version.

Key (sign and verify):
  The key is the SIGNING_KEY environment variable (its UTF-8 bytes), or the bytes of --key-file <file> (one
  trailing newline removed), at least 32 bytes either way; or a ring in SIGNING_KEYS (comma-separated, newest
  first, each 'secret' or 'id:secret', as the guards read it): the first signs, every one verifies. It is never
  taken as an argument, which other users can read in the process list.
      --key-file <file>      Read the key from a file.
      --key-id <id>          The key's id: signed links carry kid=<id>, and links with that kid verify.

Exit status: 0 done or valid, 1 refused, 2 usage error.`
