// Reading the project's Markdown the way a reader does: its files, its fenced code blocks, its links and the anchors
// GitHub makes of its headings. The docs suites check what the guides claim with these.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

export const ROOT = path.join(__dirname, '..', '..')

/** The Markdown a user reads: the README, the guides under docs/, and the contributor and security pages. */
export const MARKDOWN_FILES: readonly string[] = [
  'README.md',
  'CONTRIBUTING.md',
  'SECURITY.md',
  'CHANGELOG.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
]

export function readMarkdown(file: string): string {
  return readFileSync(path.join(ROOT, file), 'utf8')
}

/** A fenced code block: its language, the rest of its info string, its text, and the line its fence opens on. */
export interface CodeBlock {
  file: string
  line: number
  lang: string
  info: string[]
  code: string
}

/** Every fenced code block of a file, indented ones (inside a list item) included, with the indent removed. */
export function codeBlocks(file: string, text: string = readMarkdown(file)): CodeBlock[] {
  const blocks: CodeBlock[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,})(\S*)(.*)$/.exec(lines[i])
    if (!open) continue
    const [, indent, fence, lang, rest] = open
    const body: string[] = []
    let j = i + 1
    while (j < lines.length && lines[j].trimEnd() !== `${indent}${fence}`) body.push(lines[j++].slice(indent.length))
    blocks.push({ file, line: i + 1, lang, info: rest.trim().split(/\s+/).filter(Boolean), code: body.join('\n') })
    i = j
  }
  return blocks
}

/** Text outside fenced code blocks. */
export function withoutFences(text: string): string {
  return text.replace(/^( *)(`{3,})[^\n]*\n[\s\S]*?\n\1\2 *$/gm, '')
}

/** Text outside fenced code blocks and inline code spans, where links in prose live. */
export function prose(text: string): string {
  return withoutFences(text).replace(/`[^`\n]*`/g, '``')
}

/** The anchor GitHub gives a heading: lower case, markup and punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/**
 * The anchor TypeDoc gives the same heading in the API reference's copy of a guide: the text without its inline
 * code, some punctuation dropped, the first run of hyphens made one (typedoc's Slugger).
 */
export function typedocSlug(heading: string): string {
  const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`[^`]*`/g, '')
  const slugged = text
    .trim()
    .replace(/[\u2000-\u206F\u2E00-\u2E7F\\'!"#$%&()*+,./:;<=>?@[\]^`{|}~]/g, '')
    .replace(/\s/g, '-')
    .replace(/--+/, '-')
  return (slugged || '_').toLowerCase()
}

/** Every anchor a file's headings make (by GitHub's rule, or another), numbered as repeats are (`-1`, `-2`). */
export function anchors(text: string, slugOf: (heading: string) => string = slug): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const [, heading] of withoutFences(text).matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const base = slugOf(heading)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    result.add(count === 0 ? base : `${base}-${count}`)
  }
  return result
}

/** The targets of a file's Markdown links (inline `[text](target)`), outside code. */
export function linkTargets(text: string): string[] {
  return [...prose(text).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((m) => m[1])
}
