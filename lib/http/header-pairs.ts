// The headers a `writeHead` call carries, in any of the shapes Node takes (a raw flat array, an array of pairs, an
// object), as one list of pairs: for the wrappers that edit another library's answer (cors.ts, tus-checksum.ts).

/** The headers as `[name, value]` pairs; none for anything that is not headers. */
export function headerPairs(headers: unknown): [string, unknown][] {
  if (Array.isArray(headers) && headers.every((item) => Array.isArray(item)))
    return (headers as unknown[][]).map(([name, value]) => [String(name), value])
  if (Array.isArray(headers)) {
    const flat = headers as unknown[]
    return flat.flatMap((name, i) => (i % 2 === 0 ? [[String(name), flat[i + 1]] as [string, unknown]] : []))
  }
  return typeof headers === 'object' && headers !== null ? Object.entries(headers) : []
}

/** Where a `writeHead` call's headers are among its arguments (after the status, and a status text if any). */
export function headersAt(args: readonly unknown[]): number {
  return args.findIndex((arg, i) => i > 0 && typeof arg === 'object' && arg !== null)
}
