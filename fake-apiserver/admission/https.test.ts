import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from './client.ts';

// A webhook behind HTTPS with a self-signed certificate for 127.0.0.1 (made with the system openssl).
const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let url = '';
let caBundle = '';
let close = async () => {};
beforeAll(async () => {
  if (!haveOpenssl) return;
  const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-webhook-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=webhook', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const pem = readFileSync(cert, 'utf8');
  caBundle = Buffer.from(pem).toString('base64');
  const server = createServer({ key: readFileSync(key), cert: pem }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/validate`;
  close = () => new Promise((resolve) => server.close(() => resolve()));
});
afterAll(() => close());

describe.skipIf(!haveOpenssl)('webhooks over HTTPS (clientConfig.url with caBundle)', () => {
  it('trusts the serving certificate given in caBundle', async () => {
    expect(await postJson(url, { hello: 1 }, 10_000, caBundle)).toEqual({ ok: true, body: { ok: true } });
  });

  it('refuses a certificate no bundle vouches for, in Go TLS wording', async () => {
    expect(await postJson(url, { hello: 1 }, 10_000)).toEqual({ ok: false, error: `failed to call webhook: Post ${JSON.stringify(url)}: tls: failed to verify certificate: x509: certificate signed by unknown authority` });
  });
});
