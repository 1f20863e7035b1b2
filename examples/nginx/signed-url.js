// njs verifier for express-signed-url links (v1, key ids, folder scope, grant cookies), for nginx with ngx_http_js_module.
// It reads the request target as sent ($request_uri, never the normalised $uri), applies the same grammar as the
// Node guard (one decode, canonical path, strict query, HMAC-SHA256, constant-time comparison, MAC before expiry),
// then hands a good request to the static file server. Keys come from the environment, passed through nginx's `env`
// directive: SIGNING_KEY (one secret) or SIGNING_KEYS (comma-separated, newest first, each `secret` or `id:secret`),
// read with the grammar of the package's parseKeyList, so one variable gives Node, nginx and the Worker one ring.
var crypto = require('crypto');

var KID = /^[A-Za-z0-9_-]{1,32}$/;
var byId = {};
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
});

var EXPIRY = /^[1-9][0-9]{0,10}$/;
var SCOPE = /^[1-9][0-9]?$/;
// The grant cookie's name: change it here if the app sets another with `grantCookie`.
var GRANT_COOKIE = 'signed-grant';
var OTHER_SPELLING = /^(?:expiry|method|signature|kid|scope)(?:\[.*)?$/;

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
  var parts = query === '' ? [] : query.split('&');
  for (var i = 0; i < parts.length; i++) {
    var eq = parts[i].indexOf('=');
    var name = eq === -1 ? parts[i] : parts[i].slice(0, eq);
    var value = eq === -1 ? '' : parts[i].slice(eq + 1);
    if (name === 'expiry' || name === 'method' || name === 'signature' || name === 'kid' || name === 'scope') {
      if (fields[name] !== undefined) return 'malformed';
      fields[name] = value;
    } else if (/[%\[]/.test(name)) {
      var decoded = name;
      try { decoded = decodeURIComponent(name); } catch (e) { /* keep */ }
      if (OTHER_SPELLING.test(decoded)) return 'malformed';
    }
  }
  if (fields.signature === undefined) return 'missing';
  if (!EXPIRY.test(fields.expiry || '') || fields.method !== 'get') return 'malformed';
  fields.mac = decodeSignature(fields.signature);
  if (fields.mac === null) return 'malformed';
  if (fields.kid !== undefined && !KID.test(fields.kid)) return 'malformed';
  if (fields.scope !== undefined && !SCOPE.test(fields.scope)) return 'malformed';
  return fields;
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

function stringToSign(path, expiry, kid, scope) {
  return path + '?expiry=' + expiry + '&method=get' + (kid === undefined ? '' : '&kid=' + kid) + (scope === undefined ? '' : '&scope=' + scope);
}

// Folder grants from the app's res.locals.grantAccess: `signed-grant` cookies holding `<base64url folder>.<expiry>.
// <kid>.<signature>`. Values that do not parse or do not cover the path are skipped before counting; at most 8 are
// checked (8 HMACs). Returns the seconds left of the first good one, or 0.
function grantSecondsLeft(r, path) {
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
    if (!macMatches(stringToSign(folder, parts[1], kid, depth), kid, mac)) continue;
    var left = Number(parts[1]) - Math.floor(Date.now() / 1000);
    if (left > 0) return left;
  }
  return 0;
}

function check(r) {
  if (r.method !== 'GET' && r.method !== 'HEAD') return 403;
  var target = r.variables.request_uri;
  var hash = target.indexOf('#');
  if (hash !== -1) target = target.slice(0, hash);
  var mark = target.indexOf('?');
  var path = decodePath(mark === -1 ? target : target.slice(0, mark));
  if (path === null) return 403;
  var fields = parseQuery(mark === -1 ? '' : target.slice(mark + 1));
  var left;
  if (fields === 'missing') {
    // A signature in the URL is checked first; grant cookies only when the URL carries none.
    left = grantSecondsLeft(r, path);
  } else if (typeof fields === 'string') {
    return 403;
  } else {
    var signed = path;
    if (fields.scope !== undefined) {
      var segments = path.split('/');
      if (segments.length <= Number(fields.scope)) return 403;
      signed = segments.slice(0, Number(fields.scope)).join('/') + '/';
    }
    if (!macMatches(stringToSign(signed, fields.expiry, fields.kid, fields.scope), fields.kid, fields.mac)) return 403;
    left = Number(fields.expiry) - Math.floor(Date.now() / 1000);
  }
  if (left <= 0) return 403;
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
