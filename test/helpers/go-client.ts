/** A reply of the toxiproxy-compatible API, as a client reads it. */
export interface ApiReply {
  status: number
  type: string | null
  requestId: string | null
  text: string
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked field by field
  json: any
}

/** Sends `body` to `base + path` as toxiproxy's Go client does (Content-Type application/json). */
export async function goRequest(
  base: string,
  method: string,
  path: string,
  body?: string,
): Promise<ApiReply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = text ? JSON.parse(text) : undefined
  } catch {
    // Not JSON (an error text, an empty body): the test reads `text`.
    json = undefined
  }
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    requestId: res.headers.get('x-toxiproxy-request-id'),
    text,
    json,
  }
}
