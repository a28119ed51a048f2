/**
 * Test helper: serves a {@link WebhookHandler} (JSON body and path in, JSON body out) over node:http on
 * 127.0.0.1, so a webhook can be reached by `clientConfig.url` through a real socket. A throwing handler
 * answers 500 with the message. Every request body is kept in `received`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookHandler } from '../client.ts';

/** A running webhook server. */
export interface RunningWebhookServer {
  /** `http://127.0.0.1:<port>` (append the handler's paths). */
  url: string;
  /** Bodies received, in order, with their paths. */
  received: { path: string; body: unknown }[];
  close(): Promise<void>;
}

/** Starts the server on an ephemeral port. */
export async function startWebhookServer(handler: WebhookHandler): Promise<RunningWebhookServer> {
  const received: RunningWebhookServer['received'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        received.push({ path, body });
        const out = JSON.stringify(handler(body, path));
        res.writeHead(200, { 'content-type': 'application/json' }).end(out);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(err instanceof Error ? err.message : String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A loopback URL nothing listens on (a port opened, then closed). */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}
