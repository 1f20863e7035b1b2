// What "invisible" means, written once: printable() (option-checks.ts) escapes these characters, and a download name
// (link/download-name.ts) refuses them; each adds the class it needs and keeps out what it must let through.

/**
 * The characters that do not show, or change how the rest shows, as the runtime's Unicode tables define them (so no
 * list kept by hand drifts from Unicode): the default-ignorable code points (zero-width spaces and joiners, the
 * Hangul fillers, the grapheme joiner U+034F, Khmer's inherent vowels, the variation selectors, plane 14's tags and
 * selectors, and the code points Unicode reserves for more of them, such as U+2065 and U+FFF0-U+FFF8), the controls
 * and format characters (Cc, Cf: among them the bidirectional controls that make `Report\u202Efdp.exe` show as
 * `Reportexe.pdf`), and the line and paragraph separators (Zl, Zp). The body of a character class, for a RegExp with
 * the `u` flag: `new RegExp(`[${INVISIBLE_CLASS}]`, 'u')`.
 */
export const INVISIBLE_CLASS = String.raw`\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}\p{Zl}\p{Zp}`
