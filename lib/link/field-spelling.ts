// Which parameter names spell a signed field: plainly (`expiry`), or as some query parser reads one (`%65xpiry`,
// `[expiry]`, `expiry[x]`, `.kid`).

/** The index in `fields` of the field a parameter name (`query` from `start` to `end`) spells plainly, or -1. */
export function fieldAt(query: string, start: number, end: number, fields: readonly string[]): number {
  const length = end - start
  for (let i = 0; i < fields.length; i++)
    if (fields[i].length === length && query.startsWith(fields[i], start)) return i
  return -1
}

/**
 * Whether a parameter name (`query` from `start` to `end`) that is not the plain spelling of one of `fields` is
 * read as one by some query parser an app may use. qs (Express 4's parser, and Express 5's 'extended') decodes the whole key first (`+` as space,
 * then percent escapes), then takes as the field the text before the first `[...]` group, or the first group's
 * content when the key starts with one (`[expiry]`, `expiry[\n]`, `%5Bexpiry%5D`); with `allowDots`, `.x` is read
 * as `[x]` first (`.expiry`, `expiry.x`). node:querystring (Express 5's 'simple') uses the decoded key. So every such
 * spelling, once decoded, starts with the field's name, after any `[` and `.`, followed by the end or a character no
 * name holds. Refusing that whole class (case-insensitively, in case an app's parser folds case) is a superset of
 * what any of them reads.
 */
export function spellsSignedField(query: string, start: number, end: number, fields: readonly string[]): boolean {
  let name = query.slice(start, end)
  if (name.indexOf('%') !== -1) name = decodeEveryEscape(name)
  let from = 0
  while (name.charCodeAt(from) === 0x5b /* [ */ || name.charCodeAt(from) === 0x2e /* . */) from++
  // The signed fields' names are 2 to 11 characters: one lower-cased slice serves every comparison.
  const head = name.slice(from, from + 12).toLowerCase()
  for (const field of fields) {
    if (!head.startsWith(field)) continue
    // A match means each of those characters lower-cased to one, so the next one stands at the same place in name.
    const next = name.charCodeAt(from + field.length)
    if (Number.isNaN(next) || !isNameCharacter(next)) return true
  }
  return false
}

// A-Z a-z 0-9 _ -: what a parameter name may hold after a field's name and still be another name.
const isNameCharacter = (c: number): boolean => /[\w-]/.test(String.fromCharCode(c))

// Every well-formed `%XX` as one character (a byte), the rest as it is: the most a lenient decoder makes of it.
function decodeEveryEscape(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}
