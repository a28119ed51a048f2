/**
 * Calling webhooks (admission and CRD conversion share it, as kube-apiserver's `webhook.ClientManager`
 * does): a `clientConfig.service` is resolved through an in-process registry of handlers (no network),
 * a `clientConfig.url` is POSTed to over node:http / node:https (with `caBundle` as the trusted CA).
 *
 * The ApiServer's verbs are synchronous and a socket is not, so a URL call is made in two steps: the
 * synchronous verb, running inside a {@link CallScope}, finds no answer for the call and throws
 * {@link PendingWebhookCall}; the asynchronous driver (`ApiServer.runWithWebhooks`, used by the HTTP front
 * and the InProcessClient) performs it, records the answer in the scope and runs the verb again, which then
 * finds it. Nothing is committed before a verb has every answer it needs. Outside a scope a URL call
 * fails (`failurePolicy` decides what that means). Semantics of failures: kube-apiserver
 * `webhook.ErrCallingWebhook` (`failed to call webhook: Post "<url>?timeout=10s": <cause>`).
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookClientConfig } from './types.ts';

/**
 * An in-process webhook server: gets the POSTed JSON body (an AdmissionReview or ConversionReview) and
 * the request path (`clientConfig.service.path`, default `/`), returns the response body. A throw is a
 * failed call (as a 500 from a real server would be).
 */
export type WebhookHandler = (body: unknown, path: string) => unknown;

/** The result of one call: the decoded response body, or why the call failed (the `Reason` of ErrCallingWebhook). */
export type CallOutcome = { ok: true; body: unknown } | { ok: false; error: string };

/** Thrown by a synchronous verb that needs the answer of a URL webhook it does not have yet (see module doc). Never escapes `runWithWebhooks`. */
export class PendingWebhookCall extends Error {
  constructor(
    readonly key: string,
    readonly url: string,
    readonly body: unknown,
    readonly timeoutMs: number,
    readonly caBundle: string | undefined,
  ) {
    super(`webhook call to ${url} pending (a URL webhook needs an asynchronous caller)`);
  }

  /** Performs the call. Never rejects. */
  perform(): Promise<CallOutcome> {
    return postJson(this.url, this.body, this.timeoutMs, this.caBundle);
  }
}

/** Answers gathered by one asynchronous request, and what its reruns must reproduce (generated names). */
export class CallScope {
  readonly answers = new Map<string, CallOutcome>();
  /** `generateName` results by counter key: a rerun gets the same name, so its webhook calls are the same. */
  readonly generatedNames = new Map<string, string>();
  private readonly kept = new Map<string, unknown>();

  /** `make()` on the first run of the request, the same value on every rerun (uids, timestamps: a rerun must send the same webhook bodies). */
  keep<T>(key: string, make: () => T): T {
    if (!this.kept.has(key)) this.kept.set(key, make());
    return this.kept.get(key) as T;
  }
}

/** Default `timeoutSeconds` of admission webhooks (admissionregistration.k8s.io/v1). */
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** Deterministic request uid: a UUID-shaped hash of the request body (no randomness in simulated paths). */
export function requestUid(body: unknown): string {
  const h = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The URL a call goes to, as upstream prints it: `https://<name>.<namespace>.svc:<port><path>?timeout=<n>s` for a Service. */
export function webhookUrl(cfg: WebhookClientConfig, timeoutSeconds: number): string {
  const base = cfg.url ?? `https://${cfg.service?.name ?? ''}.${cfg.service?.namespace ?? ''}.svc:${cfg.service?.port ?? 443}${cfg.service?.path ?? ''}`;
  return `${base}${base.includes('?') ? '&' : '?'}timeout=${timeoutSeconds}s`;
}

/** Webhook Services served in process, by namespace and name, and the call path shared by admission and conversion. */
export class WebhookClient {
  private readonly services = new Map<string, WebhookHandler>();
  /** Set by the asynchronous driver while a verb runs (see module doc). */
  scope: CallScope | undefined;

  /** Serves Service `namespace/name` with `handler` (every port). Returns a function that removes it. */
  register(namespace: string, name: string, handler: WebhookHandler): () => void {
    const key = `${namespace}/${name}`;
    this.services.set(key, handler);
    return () => {
      if (this.services.get(key) === handler) this.services.delete(key);
    };
  }

  /**
   * Calls a webhook synchronously: a Service handler at once, a URL from the scope's answers.
   * @throws PendingWebhookCall when a URL's answer is missing inside a scope (the driver performs it and reruns).
   */
  call(cfg: WebhookClientConfig, body: unknown, timeoutSeconds: number): CallOutcome {
    const url = webhookUrl(cfg, timeoutSeconds);
    if (cfg.service) {
      const handler = this.services.get(`${cfg.service.namespace}/${cfg.service.name}`);
      if (!handler) return { ok: false, error: `failed to call webhook: Post ${JSON.stringify(url)}: service ${JSON.stringify(cfg.service.name)} not found` };
      try {
        return { ok: true, body: JSON.parse(JSON.stringify(handler(JSON.parse(JSON.stringify(body)), cfg.service.path ?? '/'))) };
      } catch (err) {
        return { ok: false, error: `failed to call webhook: Post ${JSON.stringify(url)}: ${err instanceof Error ? err.message : String(err)}` };
      }
    }
    if (!cfg.url) return { ok: false, error: 'failed to call webhook: clientConfig has neither url nor service' };
    if (!this.scope)
      return { ok: false, error: `failed to call webhook: Post ${JSON.stringify(url)}: a URL webhook cannot be called from a synchronous ApiServer verb (use ApiServer.runWithWebhooks, the InProcessClient or the HTTP front)` };
    const key = `${url}\u0000${JSON.stringify(body)}`;
    const answer = this.scope.answers.get(key);
    if (answer) return answer;
    throw new PendingWebhookCall(key, url, body, timeoutSeconds * 1000, cfg.caBundle);
  }
}

/** Go's wording of common dial errors, so messages read as kube-apiserver's do. */
function goError(err: NodeJS.ErrnoException): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  if (e.code === 'ECONNREFUSED') return `dial tcp ${e.address ?? ''}:${e.port ?? ''}: connect: connection refused`;
  if (e.code === 'ENOTFOUND') return `dial tcp: lookup ${e.hostname ?? ''}: no such host`;
  if (e.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || e.code === 'SELF_SIGNED_CERT_IN_CHAIN' || e.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || e.code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')
    return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
  return err.message;
}

/**
 * POSTs `body` as JSON to `url` (http or https; `caBundle` base64 PEM trusted), waits at most `timeoutMs`.
 * Resolves with the decoded JSON response of a 2xx answer, or `{ok: false, error}` in upstream's words
 * (`failed to call webhook: Post "<url>": context deadline exceeded` on timeout). Never rejects.
 */
export function postJson(url: string, body: unknown, timeoutMs: number, caBundle?: string): Promise<CallOutcome> {
  const fail = (why: string): CallOutcome => ({ ok: false, error: `failed to call webhook: Post ${JSON.stringify(url)}: ${why}` });
  return new Promise((resolve) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      resolve(fail('invalid URL'));
      return;
    }
    const payload = Buffer.from(JSON.stringify(body));
    const opts = { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': payload.length } };
    const req =
      parsed.protocol === 'https:'
        ? httpsRequest(parsed, { ...opts, ...(caBundle ? { ca: Buffer.from(caBundle, 'base64').toString('utf8') } : {}) })
        : httpRequest(parsed, opts);
    let settled = false;
    const settle = (o: CallOutcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    req.setTimeout(timeoutMs, () => {
      settle(fail('context deadline exceeded'));
      req.destroy();
    });
    req.on('error', (err) => settle(fail(goError(err))));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => settle(fail(err.message)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const code = res.statusCode ?? 0;
        if (code < 200 || code > 299) {
          settle(fail(`an error on the server (${JSON.stringify(text.slice(0, 200))}) has prevented the request from succeeding (HTTP ${code})`));
          return;
        }
        try {
          settle({ ok: true, body: JSON.parse(text) });
        } catch {
          settle(fail('the response body is not JSON'));
        }
      });
    });
    req.end(payload);
  });
}
