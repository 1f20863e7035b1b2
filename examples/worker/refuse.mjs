// The Worker's refusals: a status, a short text body and no-store; nothing about the link or the file.
const REFUSED = {
  400: 'Bad Request\n',
  403: 'Forbidden\n',
  404: 'Not Found\n',
  409: 'Conflict\n',
  410: 'Gone\n',
  411: 'Length Required\n',
  412: 'Precondition Failed\n',
  413: 'Payload Too Large\n',
  414: 'URI Too Long\n',
  415: 'Unsupported Media Type\n',
  416: 'Range Not Satisfiable\n',
  422: 'Unprocessable Entity\n',
  500: 'Internal Server Error\n',
  502: 'Bad Gateway\n',
  503: 'Service Unavailable\n',
  501: 'Not Implemented: resumable (tus) uploads are not taken here; use a single PUT\n',
  507: 'Insufficient Storage\n',
}

/** A refusal with `status` (a body unless HEAD), and `extra` headers. */
export function refuse(status, method, extra = {}) {
  const headers = {
    'Cache-Control': 'no-store',
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  }
  return new Response(method === 'HEAD' ? null : REFUSED[status], { status, headers })
}
