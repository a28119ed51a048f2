/**
 * Test helpers for wire tests of the HTTP front through fetch: one request with its parsed JSON
 * answer, and a watch stream read line by line until a condition holds or the server ends it.
 */

/** One answer: status, headers, the raw body, and the body parsed as JSON (`{text}` when it is not JSON). */
export interface WireAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
  text: string;
}

/** Sends one request to `baseUrl + path` (a JSON body unless `body` is a string). */
export async function wireCall(baseUrl: string, method: string, path: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}): Promise<WireAnswer> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': contentType } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** One watch event as read from the stream. */
export interface WireEvent {
  type: string;
  object: Record<string, unknown> & { metadata?: Record<string, unknown> };
}

/**
 * Opens a watch (`baseUrl + path`), calls `onOpen` once the response started, and reads events until
 * `until(events)` holds (then cancels) or the server ends the stream (`ended`).
 * @throws Error when the answer is not a 200 stream.
 */
export async function readWatch(baseUrl: string, path: string, until: (events: WireEvent[]) => boolean, onOpen?: () => void | Promise<void>): Promise<{ events: WireEvent[]; ended: boolean }> {
  const res = await fetch(`${baseUrl}${path}`);
  if (res.status !== 200) throw new Error(`watch ${path} answered ${res.status}: ${await res.text()}`);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: WireEvent[] = [];
  let buf = '';
  await onOpen?.();
  let ended = false;
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    buf += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buf.slice(0, nl)) as WireEvent);
      buf = buf.slice(nl + 1);
    }
  }
  if (!ended) await reader.cancel();
  return { events, ended };
}
