// njs verifier for express-signed-url links (v1, key ids, folder scope, not-before, IP binding, download names, grant
// cookies), for nginx with ngx_http_js_module.
// It reads the request target as sent, from the request line (never the normalised $uri), and refuses what the Node
// guard's request-target rules refuse (anything outside visible ASCII, `#`, `\`, a leading `//`, absolute-form other
// than http(s) with a plain authority); then it applies the same grammar as the Node guard (one decode, canonical
// path, strict query that refuses every other spelling of a signed field, HMAC-SHA256, constant-time comparison, MAC
// before expiry, max-age rounded down) and hands a good request to the static file server. Where it cannot see what
// Node sees, it refuses more (design rule 14). Keys come from the environment, passed through nginx's `env`
// directive: SIGNING_KEY (one secret) or SIGNING_KEYS (comma-separated, newest first, each `secret` or `id:secret`),
// read with the grammar of the package's parseKeyList, so one variable gives Node, nginx and the Worker one ring.
// nginx cannot load the package, so this file mirrors its modules, each function naming its source: the target rule
// of lib/http/request-target.ts, the grammar of lib/link/link-format.ts and lib/link/link-path.ts, the grant cookie of
// lib/link/grant-cookie.ts, the key list of lib/crypto/keys.ts and the steps of lib/signer/verification.ts. The engine suite replays
// the package's vectors, attack corpus and grant-cookie cases against it, so a change there that is not made here
// fails a test.
var crypto = require('crypto');

var KID = /^[A-Za-z0-9_-]{1,32}$/;
// Keys by id in an object without a prototype (njs 0.7 has no Map): `constructor`, `__proto__` or `toString` is a
// key id like any other, never a property inherited from Object.prototype.
var byId = Object.create(null);
var anonymous = [];
if (process.env.SIGNING_KEYS && process.env.SIGNING_KEY) throw new Error('signed-url.js: set SIGNING_KEY or SIGNING_KEYS, not both');
if (process.env.SIGNING_KEYS) {
  process.env.SIGNING_KEYS.split(',').forEach(function (raw, i) {
    var entry = raw.trim();
    var colon = entry.indexOf(':');
    if (entry === '') throw new Error('signed-url.js: SIGNING_KEYS entry ' + (i + 1) + ' is empty');
    if (colon === -1) return anonymous.push(entry);
    if (!KID.test(entry.slice(0, colon))) throw new Error('signed-url.js: SIGNING_KEYS entry ' + (i + 1) + " has a ':' after something that is not a key id");
    if (byId[entry.slice(0, colon)] !== undefined) throw new Error('signed-url.js: SIGNING_KEYS entry ' + (i + 1) + ' repeats a key id');
    byId[entry.slice(0, colon)] = entry.slice(colon + 1);
  });
} else if (process.env.SIGNING_KEY) {
  anonymous.push(process.env.SIGNING_KEY);
} else {
  throw new Error('signed-url.js: set SIGNING_KEY or SIGNING_KEYS (and pass it with the env directive)');
}
// Short secrets are refused as the Node signer refuses them (UTF-8 bytes, at least 32), failing every request.
anonymous.concat(Object.keys(byId).map(function (id) { return byId[id]; })).forEach(function (secret) {
  if (Buffer.byteLength(secret) < 32) throw new Error('signed-url.js: every key must be at least 32 bytes');
  // Bytes that are not UTF-8 arrive as U+FFFD, which would make every such key the same (lib/crypto/keys.ts).
  if (secret.indexOf('\ufffd') !== -1) throw new Error('signed-url.js: a key holds bytes that are not UTF-8 (U+FFFD)');
});

var EXPIRY = /^[1-9][0-9]{0,10}$/;
var SCOPE = /^[1-9][0-9]?$/;
// The grant cookie's name: change it here if the app sets another with `grantCookie`.
var GRANT_COOKIE = 'signed-grant';
// The signed fields, and the extensions in their one order (lib/link/link-format.ts's EXTENSIONS).
var FIELDS = ['expiry', 'method', 'signature', 'kid', 'scope', 'notbefore', 'ip', 'disposition', 'filename', 'maxbytes', 'contenttype', 'sha256', 'issued', 'uses', 'nonce', 'upload'];
var EXTENSIONS = FIELDS.slice(3);
// An absolute-form target as lib/http/request-target.ts accepts it: http(s), then a host name, IPv4 or bracketed IPv6
// address and an optional port, no userinfo; group 1 is the host.
var ABSOLUTE = /^https?:\/\/([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?=\/)/i;

function canonical(path) {
  if (path.length === 0 || /[\u0000-\u001f\u007f-\u009f\\]/.test(path)) return false;
  var segments = path.split('/');
  for (var i = 0; i < segments.length; i++) {
    var s = segments[i];
    if ((s === '' && i !== segments.length - 1) || s === '.' || s === '..') return false;
  }
  return segments[0] !== '';
}

function decodePath(raw) {
  if (raw.charAt(0) !== '/' || /%(?:2f|5c)/i.test(raw)) return null;
  var path;
  try { path = decodeURIComponent(raw.slice(1)); } catch (e) { return null; }
  return canonical(path) ? path : null;
}

function parseQuery(query) {
  var fields = {};
  var lastExtension = 2;
  var parts = query === '' ? [] : query.split('&');
  for (var i = 0; i < parts.length; i++) {
    var eq = parts[i].indexOf('=');
    var name = eq === -1 ? parts[i] : parts[i].slice(0, eq);
    var value = eq === -1 ? '' : parts[i].slice(eq + 1);
    var field = FIELDS.indexOf(name);
    if (field !== -1) {
      if (fields[name] !== undefined) return 'malformed';
      // One order, the string to sign's: an extension after expiry and method, and after the extensions before it.
      if (field > 2) {
        if (field <= lastExtension || fields.expiry === undefined || fields.method === undefined) return 'malformed';
        lastExtension = field;
      }
      fields[name] = value;
    } else if (spellsField(name)) {
      // `[expiry]=`, `%65xpiry=` or `expiry[x]=` is ignored here but read as `expiry` by Express's query parser.
      return 'malformed';
    }
  }
  // Express's query parsers read the first 1000 parameters: signed fields past them would not reach req.query.
  if (parts.length > 1000 && Object.keys(fields).length > 0) return 'malformed';
  // Half a link is not a missing one (lib/link/link-format.ts): no grant cookie covers unsigned signed fields.
  if (fields.signature === undefined) return Object.keys(fields).length === 0 ? 'missing' : 'malformed';
  // Only GET links: an upload link (method=put) is refused here, as nginx takes no uploads (docs/).
  if (!EXPIRY.test(fields.expiry || '') || fields.method !== 'get') return 'malformed';
  if (fields.maxbytes !== undefined || fields.contenttype !== undefined || fields.sha256 !== undefined) return 'malformed';
  // A resumable upload's id is an upload link's field (and nginx takes no uploads).
  if (fields.upload !== undefined) return 'malformed';
  // A limited-use link needs a count nginx does not keep: refused, never served uncounted (docs/).
  if (fields.uses !== undefined || fields.nonce !== undefined) return 'malformed';
  if (fields.issued !== undefined && !EXPIRY.test(fields.issued)) return 'malformed';
  fields.mac = decodeSignature(fields.signature);
  if (fields.mac === null) return 'malformed';
  if (fields.kid !== undefined && !KID.test(fields.kid)) return 'malformed';
  if (fields.scope !== undefined && !SCOPE.test(fields.scope)) return 'malformed';
  if (fields.notbefore !== undefined && !EXPIRY.test(fields.notbefore)) return 'malformed';
  if (fields.ip !== undefined && (fields.ranges = readIpField(fields.ip)) === null) return 'malformed';
  if (fields.disposition !== undefined && fields.disposition !== 'attachment' && fields.disposition !== 'inline') return 'malformed';
  if (fields.filename !== undefined && (fields.name = readFilename(fields.filename)) === null) return 'malformed';
  return fields;
}

// lib/link/download-name.ts: a name in its one spelling (encodeURIComponent's, with ! ' ( ) * escaped too), not empty, `.` or `..`, no controls,
// bidirectional controls, `/` or `\`, at most 255 bytes of UTF-8. decodeURIComponent refuses bad UTF-8 and
// encoded surrogates, so the name is well-formed Unicode.
function readFilename(text) {
  if (text.length === 0 || text.length > 765) return null;
  var name;
  try { name = decodeURIComponent(text); } catch (e) { return null; }
  if (name === '.' || name === '..' || /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069/\\]/.test(name)) return null;
  var spelled = encodeURIComponent(name).replace(/[!'()*]/g, function (c) { return '%' + c.charCodeAt(0).toString(16).toUpperCase(); });
  if (Buffer.byteLength(name) > 255 || spelled !== text || invisible(name)) return null;
  return name;
}

// lib/link/download-name.ts's INVISIBLE (default-ignorables, controls, format characters, separators and noncharacters
// by Unicode's properties, but ZWNJ, ZWJ and U+FE00-U+FE0F) as code point ranges, since njs 0.7 has no `u` flag for
// \p{...}; U+xFFFE and U+xFFFF are the bit test below. Generated, not edited by hand:
//   npm run build --silent && node __tests__/support/print-njs-invisible.js
// and __tests__/download-name.test.ts fails when it no longer matches Node's expression at any code point.
// Unicode 17.0, Node 20.20.2.
var INVISIBLE = [
  [0x0, 0x1f], [0x7f, 0x9f], [0xad, 0xad], [0x34f, 0x34f], [0x600, 0x605], [0x61c, 0x61c], [0x6dd, 0x6dd],
  [0x70f, 0x70f], [0x890, 0x891], [0x8e2, 0x8e2], [0x115f, 0x1160], [0x17b4, 0x17b5], [0x180b, 0x180f],
  [0x200b, 0x200b], [0x200e, 0x200f], [0x2028, 0x202e], [0x2060, 0x206f], [0x3164, 0x3164], [0xfdd0, 0xfdef],
  [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff0, 0xfffb], [0x110bd, 0x110bd], [0x110cd, 0x110cd], [0x13430, 0x1343f],
  [0x1bca0, 0x1bca3], [0x1d173, 0x1d17a], [0xe0000, 0xe0fff]
];

// Whether a name holds one of INVISIBLE or a noncharacter U+xFFFE/U+xFFFF, by code point. A surrogate pair is
// stepped over whether njs gives it as one character or as two code units.
function invisible(name) {
  for (var i = 0; i < name.length; i++) {
    var cp = name.codePointAt(i);
    var unit = name.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) i++;
    if ((cp & 0xfffe) === 0xfffe) return true;
    for (var k = 0; k < INVISIBLE.length; k++) if (cp >= INVISIBLE[k][0] && cp <= INVISIBLE[k][1]) return true;
  }
  return false;
}

// The Content-Disposition header the Node guard writes with the content-disposition package (its `create`): the
// name as a token or quoted string when it is plain ASCII without %XX, else an ASCII fallback (? for the rest) and
// the RFC 8187 filename* parameter.
function contentDisposition(type, name) {
  if (name === undefined) return type;
  var quote = function (value) {
    return /^[!#$%&'*+.0-9A-Z^_`a-z|~-]+$/.test(value) ? value : '"' + value.replace(/[\\"]/g, '\\$&') + '"';
  };
  if (/^[\x20-\x7e]*$/.test(name) && !/%[0-9A-Fa-f]{2}/.test(name)) return type + '; filename=' + quote(name);
  var extended = encodeURIComponent(name).replace(/[\x00-\x20"'()*,/:;<=>?@[\\\]{}\x7f]/g, function (c) {
    return '%' + c.charCodeAt(0).toString(16).toUpperCase();
  });
  // One ? per UTF-16 code unit, as in JavaScript on Node: njs reads a character beyond U+FFFF as one, not two.
  var fallback = name.replace(/[^\x20-\x7e]/g, function (c) { return c.codePointAt(0) > 0xffff ? '??' : '?'; });
  return type + '; filename=' + quote(fallback) + "; filename*=UTF-8''" + extended;
}

// lib/link/ip-range.ts: addresses and CIDR ranges, each as 4 or 16 bytes and a prefix length.
var IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;

function parseIPv4(text) {
  var m = IPV4.exec(text);
  return m === null ? null : [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
}

function parseIPv6(text) {
  if (text.length < 2 || text.length > 45) return null;
  var halves = text.split('::');
  if (halves.length > 2) return null;
  var groups = [];
  var count = 0;
  for (var h = 0; h < halves.length; h++) {
    var words = [];
    var parts = halves[h] === '' ? [] : halves[h].split(':');
    for (var i = 0; i < parts.length; i++) {
      var v4 = h === halves.length - 1 && i === parts.length - 1 && parts[i].indexOf('.') !== -1 ? parseIPv4(parts[i]) : null;
      if (v4 !== null) words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      else if (/^[0-9A-Fa-f]{1,4}$/.test(parts[i])) words.push(parseInt(parts[i], 16));
      else return null;
    }
    count += words.length;
    groups.push(words);
  }
  var all;
  if (groups.length === 1) {
    if (count !== 8) return null;
    all = groups[0];
  } else {
    if (count > 7) return null;
    all = groups[0].slice();
    for (var z = 0; z < 8 - count; z++) all.push(0);
    all = all.concat(groups[1]);
  }
  var bytes = [];
  for (var j = 0; j < 8; j++) bytes.push(all[j] >> 8, all[j] & 0xff);
  return bytes;
}

// ::ffff:a.b.c.d is the IPv4 address a.b.c.d.
function unmapped(bytes) {
  if (bytes.length !== 16 || bytes[10] !== 0xff || bytes[11] !== 0xff) return bytes;
  for (var i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  return bytes.slice(12);
}

function formatAddress(bytes) {
  if (bytes.length === 4) return bytes.join('.');
  var words = [];
  for (var i = 0; i < 16; i += 2) words.push((bytes[i] << 8) | bytes[i + 1]);
  var best = -1, bestLength = 1;
  for (var k = 0; k < 8; k++) {
    var j = k;
    while (j < 8 && words[j] === 0) j++;
    if (j - k > bestLength) { best = k; bestLength = j - k; }
    k = j;
  }
  var hex = words.map(function (w) { return w.toString(16); });
  if (best === -1) return hex.join(':');
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLength).join(':');
}

// The ranges of an `ip` field, or null unless every entry is in its canonical text: the address (RFC 5952 for
// IPv6, never IPv4-mapped), then `/prefix` unless it is the full length, with no bit set after the prefix.
function readIpField(text) {
  var entries = text.split(',');
  if (entries.length > 16) return null;
  var ranges = [];
  for (var i = 0; i < entries.length; i++) {
    var entry = entries[i];
    var slash = entry.indexOf('/');
    var address = slash === -1 ? entry : entry.slice(0, slash);
    var bytes = address.indexOf(':') !== -1 ? parseIPv6(address) : parseIPv4(address);
    if (bytes === null || unmapped(bytes) !== bytes) return null;
    var prefix = bytes.length * 8;
    if (slash !== -1) {
      if (!/^(?:0|[1-9][0-9]{0,2})$/.test(entry.slice(slash + 1)) || Number(entry.slice(slash + 1)) >= prefix) return null;
      prefix = Number(entry.slice(slash + 1));
    }
    for (var bit = prefix; bit < bytes.length * 8; bit++) if (bytes[bit >> 3] & (0x80 >> (bit & 7))) return null;
    if (formatAddress(bytes) !== address) return null;
    ranges.push({ bytes: bytes, prefix: prefix });
  }
  return ranges;
}

// The client address ($remote_addr, after the realip module if configured), IPv4-mapped as IPv4, zone ignored.
function inRanges(text, ranges) {
  var raw = String(text || '');
  var percent = raw.indexOf('%');
  var address = percent === -1 ? raw : raw.slice(0, percent);
  var bytes = address.indexOf(':') !== -1 ? parseIPv6(address) : parseIPv4(address);
  if (bytes === null) return false;
  var v4 = unmapped(bytes);
  // A zone (not empty) belongs to a real IPv6 address only, as in lib/util/ip-address.ts.
  if (percent !== -1 && (v4 !== bytes || bytes.length === 4 || percent === raw.length - 1)) return false;
  bytes = v4;
  for (var i = 0; i < ranges.length; i++) {
    if (ranges[i].bytes.length !== bytes.length) continue;
    var bit = 0;
    for (; bit < ranges[i].prefix; bit++) if ((ranges[i].bytes[bit >> 3] ^ bytes[bit >> 3]) & (0x80 >> (bit & 7))) break;
    if (bit === ranges[i].prefix) return true;
  }
  return false;
}

// Whether a parameter name, not a signed field's plain spelling, is one some query parser reads as a signed field:
// lib/link/link-format.ts's spellsSignedField, exactly. Every well-formed %XX decoded as one byte, leading `[` and `.`
// dropped, then a field name (any case) followed by the end or a character no name holds.
function spellsField(name) {
  if (name.indexOf('%') !== -1) {
    name = name.replace(/%([0-9A-Fa-f]{2})/g, function (_, hex) { return String.fromCharCode(parseInt(hex, 16)); });
  }
  var from = 0;
  while (name.charAt(from) === '[' || name.charAt(from) === '.') from++;
  for (var i = 0; i < FIELDS.length; i++) {
    if (name.slice(from, from + FIELDS[i].length).toLowerCase() !== FIELDS[i]) continue;
    var next = name.charAt(from + FIELDS[i].length);
    if (next === '' || !/^[A-Za-z0-9_-]$/.test(next)) return true;
  }
  return false;
}

// The MAC a signature spells, as eight 32-bit words; null unless it is 43 base64url characters in their one
// canonical spelling (decoded, then encoded again unchanged). Buffer's codecs are native: far cheaper in njs than
// a regular expression or a loop over the characters.
function decodeSignature(signature) {
  if (signature.length !== 43) return null;
  var bytes = Buffer.from(signature, 'base64url');
  if (bytes.length !== 32 || bytes.toString('base64url') !== signature) return null;
  return words(bytes);
}

// Exactly 32 bytes (a digest, or a signature checked above): more would not fit the eight words.
function words(bytes) {
  var w = new Uint32Array(8);
  new Uint8Array(w.buffer).set(bytes);
  return w;
}

// Constant time: all eight words are compared, with no early exit.
function equalWords(a, b) {
  var diff = 0;
  for (var i = 0; i < 8; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// The HMAC of a string to sign under the link's key (by id) or any key without an id, compared in constant time.
function macMatches(message, kid, mac) {
  var candidates = kid === undefined ? anonymous : (byId[kid] === undefined ? [] : [byId[kid]]);
  for (var i = 0; i < candidates.length; i++) {
    if (equalWords(words(crypto.createHmac('sha256', candidates[i]).update(message).digest()), mac)) return true;
  }
  return false;
}

// The seconds a link or grant expiring at `expiry` has left at `nowS` (fractional Unix seconds), as the Node signer
// computes them: -1 once its second has come (no clock tolerance), else rounded down, so a cache lifetime never
// outlasts the link by a fraction of a second (0 is a valid answer: served, not cached).
function secondsLeft(expiry, nowS) {
  if (Math.floor(nowS) >= Number(expiry)) return -1;
  return Math.max(0, Math.floor(Number(expiry) - nowS));
}

// The origin-form target (`/path?query`) of a request line (`GET <target> HTTP/1.1`), or null when the Node guard
// would refuse the target (lib/http/request-target.ts): nginx's own reading ($request_uri) hides some of what Node sees,
// such as a fragment or the authority of an absolute-form target.
function originForm(line) {
  var first = line.indexOf(' ');
  var last = line.lastIndexOf(' ');
  if (first === -1 || last <= first + 1) return null;
  var raw = line.slice(first + 1, last);
  // Only visible ASCII without `#` and `\`: what parseurl passes through unchanged. Raw bytes above 0x7E, UTF-8
  // or not, come out of njs as characters above 0x7E, and controls and spaces as themselves: all refused here.
  for (var i = 0; i < raw.length; i++) {
    var c = raw.charCodeAt(i);
    if (!(c >= 0x21 && c <= 0x7e) || c === 0x23 || c === 0x5c) return null;
  }
  // url.parse reads `//user@host/x` as an authority.
  if (raw.charAt(0) === '/') return raw.charAt(1) === '/' ? null : raw;
  var authority = ABSOLUTE.exec(raw);
  if (authority === null) return null;
  var rest = raw.slice(authority[0].length);
  // url.parse escapes these in an absolute-form path, so Node refuses them there (not in origin-form); it throws on
  // a host label that is bad punycode, and any `xn--` label is refused here rather than decoded.
  if (/["'<>^`{|}]/.test(rest) || /(?:^|\.)xn--/i.test(authority[1])) return null;
  return rest;
}

// The string to sign: v1, then each extension the link carries in the fixed order, as the link spells it.
function stringToSign(path, expiry, fields) {
  var text = path + '?expiry=' + expiry + '&method=get';
  for (var i = 0; i < EXTENSIONS.length; i++) {
    if (fields[EXTENSIONS[i]] !== undefined) text += '&' + EXTENSIONS[i] + '=' + fields[EXTENSIONS[i]];
  }
  return text;
}

// Folder grants from the app's res.locals.grantAccess: `signed-grant` cookies holding `<base64url folder>.<expiry>.
// <kid>.<signature>`. Values that do not parse or do not cover the path are skipped before counting; at most 8 are
// checked (8 HMACs). Returns the seconds left of the first good one, or -1.
function grantSecondsLeft(r, path, nowS) {
  var header = r.variables.http_cookie || '';
  var pairs = header.indexOf(GRANT_COOKIE) === -1 ? [] : header.split(';');
  var checked = 0;
  for (var i = 0; i < pairs.length && checked < 8; i++) {
    var equals = pairs[i].indexOf('=');
    if (equals === -1 || pairs[i].slice(0, equals).trim() !== GRANT_COOKIE) continue;
    var value = pairs[i].slice(equals + 1).trim();
    if (value.length >= 2 && value.charAt(0) === '"' && value.charAt(value.length - 1) === '"') value = value.slice(1, -1);
    var parts = value.split('.');
    if (parts.length !== 4 || !/^[A-Za-z0-9_-]+$/.test(parts[0])) continue;
    // Decoded and encoded again: only canonical base64url of valid UTF-8 comes back unchanged.
    var folder = Buffer.from(parts[0], 'base64url').toString();
    if (Buffer.from(folder).toString('base64url') !== parts[0]) continue;
    var depth = folder.split('/').length - 1;
    if (folder.slice(-1) !== '/' || !canonical(folder) || depth > 99 || !EXPIRY.test(parts[1]) ||
        (parts[2] !== '' && !KID.test(parts[2])) || path.indexOf(folder) !== 0) continue;
    var mac = decodeSignature(parts[3]);
    if (mac === null) continue;
    checked++;
    var kid = parts[2] === '' ? undefined : parts[2];
    if (!macMatches(stringToSign(folder, parts[1], { kid: kid, scope: depth }), kid, mac)) continue;
    var left = secondsLeft(parts[1], nowS);
    if (left !== -1) return left;
  }
  return -1;
}

function check(r) {
  if (r.method !== 'GET' && r.method !== 'HEAD') return 403;
  var target = originForm(r.variables.request || '');
  // Fail closed if nginx's reading of the target is not the text verified: the file it opens comes from its own.
  if (target === null || target !== r.variables.request_uri) return 403;
  var nowS = Date.now() / 1000;
  var mark = target.indexOf('?');
  var path = decodePath(mark === -1 ? target : target.slice(0, mark));
  if (path === null) return 403;
  var fields = parseQuery(mark === -1 ? '' : target.slice(mark + 1));
  var left;
  if (fields === 'missing') {
    // A signature in the URL is checked first; grant cookies only when the URL carries none.
    left = grantSecondsLeft(r, path, nowS);
  } else if (typeof fields === 'string') {
    return 403;
  } else {
    var signed = path;
    if (fields.scope !== undefined) {
      var segments = path.split('/');
      if (segments.length <= Number(fields.scope)) return 403;
      signed = segments.slice(0, Number(fields.scope)).join('/') + '/';
    }
    // A download name is for one file: no signer makes a folder or scope link carry one.
    if (signed.slice(-1) === '/' && (fields.filename !== undefined || fields.disposition !== undefined)) return 403;
    if (!macMatches(stringToSign(signed, fields.expiry, fields), fields.kid, fields.mac)) return 403;
    left = secondsLeft(fields.expiry, nowS);
    // After the MAC, as in lib/signer/signer-core.ts: expired, not yet valid, then the client address.
    if (left !== -1 && fields.notbefore !== undefined && Math.floor(nowS) < Number(fields.notbefore)) return 403;
    if (left !== -1 && fields.ranges !== undefined && !inRanges(r.remoteAddress, fields.ranges)) return 403;
    if (fields.disposition !== undefined || fields.name !== undefined) {
      r.variables.signed_disposition = contentDisposition(fields.disposition || 'attachment', fields.name);
    }
  }
  if (left === -1) return 403;
  r.variables.signed_max_age = String(left);
  // Dotfiles stay hidden, as with the Node guard's dotfiles: 'ignore'.
  if (/(^|\/)\./.test(path)) return 404;
  return 0;
}

function handle(r) {
  var status = check(r);
  // A folder link (signed with its '/') serves the folder's index; any other link only a file, never a folder.
  if (status === 0) return r.internalRedirect(r.variables.request_uri.split('?')[0].slice(-1) === '/' ? '@folder' : '@files');
  r.headersOut['Cache-Control'] = 'no-store';
  r.headersOut['Content-Type'] = 'text/plain; charset=utf-8';
  r.return(status, status === 404 ? 'Not Found\n' : 'Forbidden\n');
}

export default { handle };
