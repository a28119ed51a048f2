/**
 * Image trust for the workload controllers (reference `crates/lattice-service/src/controller.rs:961-980,
 * 1201-1290` `resolve_image_trust`, `crates/lattice-cache` `resolve_image_trust_policies`,
 * `crates/lattice-workload/src/cosign.rs`): which ImageProviders enforce signatures, their authorities'
 * public keys, and what the platform's {@link ImageVerifier} says of each image a workload runs. The
 * compiler then asks Cedar SkipImageVerification for the unsigned ones (platform/cedar/images.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeClient, KubeObject } from '../../fake-apiserver/api/index.ts';
import { ignoreNotFound } from '../../fake-apiserver/api/index.ts';
import type { ImageVerification } from '../cedar/images.ts';
import type { CompileContext } from '../compiler/index.ts';
import { ImageProviderType, LATTICE_SYSTEM_NAMESPACE, type ImageProvider } from '../crds/types.ts';
import { SecretType } from './core-types.ts';

/** What one authority's check of one image found (reference `cosign::VerifyResult`): verified, or not signed by that key with why. Throws for a verifier failure (reference `VerifyResult::Error`). */
export type ImageVerifyResult = { verified: true } | { verified: false; reason: string };

/**
 * Checks `image`'s signature against one authority's public key (PEM text), as `cosign verify --key`
 * does. Resolves the verdict; rejects (throws) when verification could not run (registry unreachable,
 * cosign missing): the compile then fails with `image verification error for <image> (authority <a>): <msg>`.
 */
export type ImageVerifier = (request: { image: string; authority: string; key: string; insecure: boolean }) => Promise<ImageVerifyResult>;

/** One enforcing ImageProvider with its authorities' keys (reference `ImageTrustEntry`). */
export interface ImageTrustEntry {
  provider: string;
  /** Image-reference prefix the provider covers (`spec.registry`, matched with `startsWith` on the image string, as the reference). */
  registry: string;
  insecure: boolean;
  authorities: { name: string; key: string }[];
}

/** Name of the Secret (lattice-system) holding an authority's public key: `<provider>-trust-<authority>-credentials` (reference; written by ESO for the ImageProvider). */
export const trustKeySecretName = (provider: string, authority: string): string => `${provider}-trust-${authority}-credentials`;

/**
 * The enforcing trust entries (every ImageProvider with `trust` and `enforce` not false, sorted by
 * registry), each authority's key read from its Secret's first data key (base64-decoded). Output:
 * `{entries}`, or `{notReady}` naming the first authority whose key Secret is missing or empty (the
 * reference's `TrustNotReady`: the service waits, Compiling, rather than compile without verification:
 * `trust authority '<a>' for registry '<r>' not ready: <reason> (secret: <s>)`). Reads through `client`.
 */
export async function resolveImageTrust(client: KubeClient): Promise<{ entries: ImageTrustEntry[] } | { notReady: string }> {
  const providers = (await client.list<ImageProvider>(ImageProviderType)).items
    .filter((p) => p.spec?.trust && p.spec.trust.enforce !== false)
    .sort((a, b) => (a.spec.registry < b.spec.registry ? -1 : a.spec.registry > b.spec.registry ? 1 : 0));
  const entries: ImageTrustEntry[] = [];
  for (const p of providers) {
    const authorities: ImageTrustEntry['authorities'] = [];
    for (const a of p.spec.trust!.authorities ?? []) {
      const secret = trustKeySecretName(p.metadata.name, a.name);
      const stored = (await client.get(SecretType, { namespace: LATTICE_SYSTEM_NAMESPACE, name: secret }).catch(ignoreNotFound)) as (KubeObject & { data?: Record<string, string> }) | undefined;
      const notReady = (reason: string) => ({ notReady: `trust authority '${a.name}' for registry '${p.spec.registry}' not ready: ${reason} (secret: ${secret})` });
      if (!stored) return notReady('cosign key secret not found (ESO not synced yet)');
      const first = Object.keys(stored.data ?? {}).sort()[0];
      const key = first === undefined ? '' : Buffer.from(stored.data![first], 'base64').toString('utf8');
      if (key === '') return notReady('cosign key secret is empty');
      authorities.push({ name: a.name, key });
    }
    if (authorities.length > 0) entries.push({ provider: p.metadata.name, registry: p.spec.registry, insecure: p.spec.insecure === true, authorities });
  }
  return { entries };
}

/**
 * What the verifier finds for each image (reference `verify_images`): the first entry whose registry
 * prefixes the image decides; its authorities are tried in order until one verifies. No entry ⇒
 * `not-enforced`; none verified ⇒ `unsigned` with `<authority>: <reason>` per authority; a verifier
 * failure ⇒ `error` (`image verification error for <image> (authority <a>): <msg>`). Never throws.
 */
export async function verifyImages(entries: readonly ImageTrustEntry[], images: readonly string[], verifier: ImageVerifier): Promise<Map<string, ImageVerification>> {
  const out = new Map<string, ImageVerification>();
  for (const image of images) {
    if (out.has(image)) continue;
    const entry = entries.find((e) => image.startsWith(e.registry));
    if (!entry) {
      out.set(image, { status: 'not-enforced' });
      continue;
    }
    const reasons: string[] = [];
    let verdict: ImageVerification | undefined;
    for (const a of entry.authorities) {
      try {
        const r = await verifier({ image, authority: a.name, key: a.key, insecure: entry.insecure });
        if (r.verified) {
          verdict = { status: 'verified', authority: a.name };
          break;
        }
        reasons.push(`${a.name}: ${r.reason}`);
      } catch (e) {
        verdict = { status: 'error', message: `image verification error for ${image} (authority ${a.name}): ${(e as Error).message}` };
        break;
      }
    }
    out.set(image, verdict ?? { status: 'unsigned', reasons });
  }
  return out;
}

/** What a workload controller does about image trust before compiling (see {@link checkImageTrust}). */
export type ImageTrustCheck =
  | { waiting: string }
  | {
      /** Each image's verification, or `undefined` when no ImageProvider enforces trust (the verifier was not asked). */
      verified: ReadonlyMap<string, ImageVerification> | undefined;
      /** The compile-context field to spread into the {@link CompileContext}: empty when no ImageProvider enforces trust (the gate is not asked). */
      context: Pick<CompileContext, 'imageVerification'>;
    };

/**
 * The image-trust step every workload controller runs before it compiles (LatticeService, LatticeJob,
 * LatticeModel; reference crates/lattice-service/src/controller.rs:966-980, which only the service
 * controller runs: the book's shared pipeline gives jobs and models the same check, platform/README.md
 * "Fidelity"). Input: every image the workload's compile will ask about (`workloadImages` of each
 * compiled workload), the verifier. Output: `{waiting}` with the status message
 * `Waiting for image trust key material: <resolveImageTrust notReady>` when an enforcing authority's key
 * Secret is missing or empty (the caller writes it and requeues 5 s, never compiling unverified); else
 * the verifications and the compile context carrying them. Reads through `client`; never throws for
 * verifier failures (they become `error` verifications, which fail the compile).
 */
export async function checkImageTrust(client: KubeClient, images: readonly string[], verifier: ImageVerifier): Promise<ImageTrustCheck> {
  const trust = await resolveImageTrust(client);
  if ('notReady' in trust) return { waiting: `${IMAGE_TRUST_WAIT_PREFIX}${trust.notReady}` };
  if (trust.entries.length === 0) return { verified: undefined, context: {} };
  const verified = await verifyImages(trust.entries, images, verifier);
  return { verified, context: { imageVerification: (image: string) => verified.get(image) ?? { status: 'not-enforced' } } };
}

/** Start of the status message of a workload waiting for an enforcing authority's key (reference controller.rs:973). */
export const IMAGE_TRUST_WAIT_PREFIX = 'Waiting for image trust key material: ';

/**
 * The default {@link ImageVerifier} on a real cluster: runs `cosign verify --key <key file>
 * --insecure-ignore-tlog=true --insecure-ignore-sct=true --output json [--allow-insecure-registry] <image>`
 * (reference cosign.rs). Exit 0 ⇒ verified; stderr mentioning a missing signature (`no matching
 * signatures`, `no signatures found`, `MANIFEST_UNKNOWN`, `not found`, `signature not found`) ⇒ not
 * signed; anything else, or cosign absent ⇒ rejects. Wall-time I/O (a child process, 60 s cap).
 */
export function cosignImageVerifier(binary = 'cosign'): ImageVerifier {
  return ({ image, key, insecure }) =>
    new Promise((resolve, reject) => {
      const dir = mkdtempSync(join(tmpdir(), 'lattice-cosign-'));
      const keyFile = join(dir, 'key.pub');
      writeFileSync(keyFile, key);
      const args = ['verify', '--key', keyFile, '--insecure-ignore-tlog=true', '--insecure-ignore-sct=true', '--output', 'json', ...(insecure ? ['--allow-insecure-registry'] : []), image];
      execFile(binary, args, { timeout: 60_000, env: { ...process.env, COSIGN_EXPERIMENTAL: '0' } }, (err, _stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        if (!err) return resolve({ verified: true });
        const text = String(stderr ?? '');
        const lower = text.toLowerCase();
        if (['no matching signatures', 'no signatures found', 'manifest_unknown', 'not found', 'signature not found'].some((s) => lower.includes(s))) {
          return resolve({ verified: false, reason: `no valid signature for ${image}: ${text}` });
        }
        reject(new Error(`cosign verify failed for ${image}: ${text || err.message}`));
      });
    });
}
