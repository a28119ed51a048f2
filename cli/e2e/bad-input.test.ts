/**
 * The bad-input suite (issue 5): malformed specs and flags through the default `run` command. Every
 * case asserts the exit code, a message naming file, document, object and field where they apply,
 * no stack trace, and that no stale report is left looking current: each run's --out directory
 * starts with a previous run's reports in it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsDocument } from '../../reports/index.ts';
import { main } from '../main.ts';

const STALE = '{"stale": true, "summary": {"status": "verified"}}\n';

interface Outcome {
  code: number;
  out: string;
  err: string;
  outDir: string;
  results?: ResultsDocument & { stale?: boolean };
  junit?: string;
}

/** Runs `lattice-sim <args>` with an --out directory holding a stale previous report. */
async function runWithStale(args: string[], opts: { out?: string } = {}): Promise<Outcome> {
  const outDir = opts.out ?? mkdtempSync(join(tmpdir(), 'lattice-sim-bad-'));
  if (!opts.out) {
    writeFileSync(join(outDir, 'results.json'), STALE);
    writeFileSync(join(outDir, 'junit.xml'), '<testsuites name="stale"/>\n');
  }
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([...args, '--out', outDir], { out: (l) => out.push(l), err: (l) => err.push(l) });
  const read = (f: string) => (existsSync(join(outDir, f)) ? readFileSync(join(outDir, f), 'utf8') : undefined);
  const json = read('results.json');
  return { code, out: out.join('\n'), err: err.join('\n'), outDir, results: json ? JSON.parse(json) : undefined, junit: read('junit.xml') };
}

/** Writes `files` (name → content) into a fresh directory and returns it. */
function specDir(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-sim-specs-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: demo }\n';
/** A LatticeService at v1beta1, the version a user writes (v1alpha1 is served, deprecated). */
const service = (name: string, extra = '', resources = '') => `apiVersion: lattice.dev/v1beta1
kind: LatticeService
metadata: { name: ${name}, namespace: demo }
spec:
  replicas: 1
${extra}  workload:
    containers:
      main:
        image: nginx:1.27
        command: ["/usr/sbin/nginx"]
        resources: { limits: { cpu: 200m, memory: 128Mi } }
    service:
      ports:
        http: { port: 8080 }
${resources ? `    resources:\n${resources}` : ''}`;
const VALID = { 'namespace.yaml': NAMESPACE, 'web.yaml': service('web') };

/** No stack trace anywhere, and nothing stale left looking current. */
function expectHonest(r: Outcome): void {
  expect(r.out + r.err).not.toMatch(/\n\s+at \S+ \(|^\s+at /m);
  expect(r.results?.stale).toBeUndefined();
  if (r.results) {
    const expected = { 0: ['verified'], 1: ['mismatches', 'unverified'], 2: ['input-errors'], 3: ['internal-error'] }[r.code as 0 | 1 | 2 | 3];
    expect(expected).toContain(r.results.summary.status);
    expect(r.junit).toContain(`<property name="status" value="`);
  } else {
    expect(r.junit).toBeUndefined();
  }
}

async function expectFlagError(args: string[], message: RegExp): Promise<Outcome> {
  const r = await runWithStale(args);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(message);
  expect(r.results).toBeUndefined();
  expectHonest(r);
  return r;
}

async function expectInputError(files: Record<string, string | Buffer>, message: RegExp, extra: string[] = []): Promise<Outcome> {
  const r = await runWithStale(['run', '--specs', specDir(files), ...extra]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(message);
  expect(r.results?.summary.status).toBe('input-errors');
  expect(r.results?.runs[0].inputErrors.length).toBeGreaterThan(0);
  expect(r.out).not.toMatch(/MISMATCH/);
  expectHonest(r);
  return r;
}

describe('bad flags: exit 2, one line, no report', () => {
  it('an unknown option', () => expectFlagError(['run', '--nope'], /unknown option '--nope'/));
  it('an unknown command (not a run: the reports are left as they are)', async () => {
    const r = await runWithStale(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command 'frobnicate'/);
    expect(r.results?.stale).toBe(true);
  });
  it('a seed that is not a number', () => expectFlagError(['run', '--seed', 'abc'], /--seed must be a non-negative integer, got "abc"/));
  it('a negative seed', () => expectFlagError(['run', '--seed=-1'], /--seed must be a non-negative integer, got "-1"/));
  it('a seed of 2^32 (it would alias seed 0)', () => expectFlagError(['run', '--seed', '4294967296'], /--seed must be at most 4294967295, got 4294967296/));
  it('a fractional topology count', () => expectFlagError(['run', '--topologies', '1.5'], /--topologies must be a non-negative integer, got "1.5"/));
  it('a billion topologies', () => expectFlagError(['run', '--topologies', '1000000000'], /--topologies must be at most 1000000, got 1000000000/));
  it('--topology together with --topologies', () => expectFlagError(['run', '--topology', '5', '--topologies', '3'], /--topology runs one topology: drop --topologies/));
  it('a replay path that is not one', () => expectFlagError(['run', '--topology', '0', '--path', 'garbage'], /--path "garbage" is not a replay path/));
  it('a replay path without --topology', () => expectFlagError(['run', '--path', '0:1'], /--path replays one counterexample: give --topology <index> \(or --evolution <index>\) too/));
  it('an unknown bug', () => expectFlagError(['run', '--inject-bug', 'nope'], /--inject-bug: unknown bug "nope"; choose one of: /));
  it('an unknown shrink mode', () => expectFlagError(['run', '--shrink', 'sometimes'], /argument 'sometimes' is invalid. Allowed choices are first, all, none/));
  it('a missing --specs path', () => expectFlagError(['run', '--specs', '/nonexistent/specs'], /cannot read \/nonexistent\/specs: no such file or directory/));
  it('a --specs directory without spec files', () => expectFlagError(['run', '--specs', specDir({ 'notes.md': '# nothing' })], /no \.yaml, \.yml or \.json files under/));

  it("another verb's bad flags leave the last run's reports alone (only a run owns them)", async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'lattice-sim-keep-'));
    writeFileSync(join(outDir, 'results.json'), STALE);
    const err: string[] = [];
    const code = await main(['bugs', '--nope', '--out', outDir], { out: () => {}, err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/unknown option '--nope'/);
    expect(readFileSync(join(outDir, 'results.json'), 'utf8')).toBe(STALE);
  });

  it('an --out under /proc is refused at once (Node would hang creating it)', async () => {
    const r = await runWithStale(['run'], { out: '/proc/lattice-sim-x' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out \/proc\/lattice-sim-x: cannot create \/proc\/lattice-sim-x \(ENOENT\); choose a writable directory/);
    expectHonest(r);
  });

  it('an --out that is a regular file is refused before anything runs', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lattice-sim-f-')), 'plain');
    writeFileSync(file, 'x');
    const r = await runWithStale(['run'], { out: file });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is not a directory; choose a directory for the reports/);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});

describe('bad specs: exit 2, file (document n) Kind ns/name: field: message; the rest still loads', () => {
  it('YAML syntax errors name the file and the document', () =>
    expectInputError({ ...VALID, 'bad.yaml': `${NAMESPACE}---\nkind: [unclosed\n` }, /bad\.yaml \(document 2\): invalid YAML: /));

  it('a YAML alias bomb is refused, not expanded', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    await expectInputError({ ...VALID, 'bomb.yaml': bomb }, /bomb\.yaml \(document 1\): invalid YAML: Excessive alias count.*at most 100 nodes/);
  });

  it('an unknown kind names the supported ones', () =>
    expectInputError({ ...VALID, 'job.yaml': 'apiVersion: lattice.dev/v1alpha1\nkind: LatticeFrob\nmetadata: { name: j, namespace: demo }\n' }, /job\.yaml \(document 1\) LatticeFrob demo\/j: kind: Unsupported value: "lattice\.dev\/v1alpha1\/LatticeFrob": supported values: /));

  it('a missing apiVersion', () => expectInputError({ ...VALID, 'x.yaml': 'kind: LatticeService\nmetadata: { name: x, namespace: demo }\n' }, /x\.yaml \(document 1\) LatticeService demo\/x: apiVersion: Required value/));
  it('a missing kind', () => expectInputError({ ...VALID, 'x.yaml': 'apiVersion: v1\nmetadata: { name: x }\n' }, /x\.yaml \(document 1\) <no kind> x: kind: Required value/));
  it('a missing name', () => expectInputError({ ...VALID, 'x.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {}\n' }, /x\.yaml \(document 1\) Namespace <no name>: metadata\.name: Required value/));
  it('a document that is a list', () => expectInputError({ ...VALID, 'x.yaml': '- a\n- b\n' }, /x\.yaml \(document 1\): document is not an object \(it is a list\)/));
  it('a document that is a scalar', () => expectInputError({ ...VALID, 'x.yaml': `${NAMESPACE}---\njust words\n` }, /x\.yaml \(document 2\): document is not an object \(it is a string\)/));

  it('a schema violation names the field path', () =>
    expectInputError({ ...VALID, 'x.yaml': service('noimage').replace('        image: nginx:1.27\n', '') }, /x\.yaml \(document 1\) LatticeService demo\/noimage: spec\.workload\.containers\.main\.image: Required value/));

  it('a wrong type names the field path', () => expectInputError({ ...VALID, 'x.yaml': service('typo').replace('replicas: 1', 'replicas: three') }, /LatticeService demo\/typo: spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer/));

  it('an invalid object name, in the API server words', () => expectInputError({ ...VALID, 'x.yaml': service('Web_Server') }, /LatticeService demo\/Web_Server: metadata\.name: Invalid value: "Web_Server": /));

  it('a million replicas is refused, not simulated', () => expectInputError({ ...VALID, 'x.yaml': service('huge').replace('replicas: 1', 'replicas: 1000000') }, /LatticeService demo\/huge: spec\.replicas: Invalid value: 1000000: lattice-sim simulates at most 100 replicas per workload/));

  it('a 4 MiB value is refused as the API server refuses the request (413)', () =>
    expectInputError({ ...VALID, 'x.yaml': service('fat', `  description: "${'x'.repeat(4 * 1024 * 1024)}"\n`) }, /LatticeService demo\/fat: Request entity too large: limit is 3145728/));

  it('a 2 MiB object is refused as etcd refuses it, and gets no probes', async () => {
    const r = await expectInputError({ ...VALID, 'x.yaml': service('fat', '', `      blob: { type: service, id: "${'y'.repeat(2 * 1024 * 1024)}" }\n`) }, /etcdserver: request is too large|Request entity too large/);
    expect(r.results!.runs[0].probes.every((p) => !p.from.endsWith('/fat') && !p.to.endsWith('/fat'))).toBe(true);
  });

  it('a spec file over 16 MiB is not read', () => expectInputError({ ...VALID, 'huge.yaml': Buffer.alloc(17 * 1024 * 1024, 0x20) }, /huge\.yaml: file is 17\.0 MiB; spec files are read up to 16 MiB/));

  it('a binary file named .yaml', () => expectInputError({ ...VALID, 'x.yaml': Buffer.from([0x61, 0x3a, 0x00, 0x00, 0x01, 0x02, 0xff, 0xfe, 0x00]) }, /x\.yaml: (binary data|not UTF-8)/));

  it('invalid UTF-8', () => expectInputError({ ...VALID, 'x.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xc3, 0x28, 0x0a]) }, /x\.yaml: not UTF-8 or UTF-16 text: save the file as UTF-8/));

  it('the same object twice names both places', () =>
    expectInputError({ ...VALID, 'again.yaml': service('web') }, /web\.yaml \(document 1\) LatticeService demo\/web: metadata\.name: Duplicate value: LatticeService demo\/web is already defined in .*again\.yaml \(document 1\)/));

  it('the same object at both served versions is one object defined twice', () =>
    expectInputError({ ...VALID, 'again.yaml': service('web').replace('lattice.dev/v1beta1', 'lattice.dev/v1alpha1') }, /web\.yaml \(document 1\) LatticeService demo\/web: metadata\.name: Duplicate value: LatticeService demo\/web is already defined in .*again\.yaml \(document 1\)/));

  it('a v1beta1 LatticeService without replicas (required since v1beta1)', () =>
    expectInputError({ ...VALID, 'x.yaml': service('unsized').replace('  replicas: 1\n', '') }, /x\.yaml \(document 1\) LatticeService demo\/unsized: spec\.replicas: Required value/));

  it('an object in a namespace that does not exist is refused by the API server and probes nothing', async () => {
    const r = await expectInputError({ ...VALID, 'x.yaml': service('lost').replace('namespace: demo', 'namespace: nowhere') }, /LatticeService nowhere\/lost: namespaces "nowhere" not found/);
    expect(r.results!.runs[0].notes.join('\n')).toMatch(/probes? not judged: nowhere\/lost refused at input/);
  });

  it('a dangling symbolic link is named while every other file loads', async () => {
    const dir = specDir(VALID);
    symlinkSync(join(dir, 'gone.yaml'), join(dir, 'link.yaml'));
    const r = await runWithStale(['run', '--specs', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/link\.yaml: dangling symbolic link: its target .*gone\.yaml does not exist/);
    expect(r.results!.runs[0].services.map((s) => s.name)).toEqual(['demo/web']);
    expectHonest(r);
  });

  it('--strict refuses unknown fields in the server-side field validation words', () =>
    expectInputError({ ...VALID, 'x.yaml': service('typo').replace('replicas: 1', 'replicas: 1\n  replicass: 3') }, /LatticeService demo\/typo: LatticeService in version "v1beta1" cannot be handled as a LatticeService: strict decoding error: unknown field "spec\.replicass"/, ['--strict']));
});

describe('warnings: the input loads (exit 0), and a person hears about it', () => {
  async function expectWarning(files: Record<string, string | Buffer>, message: RegExp): Promise<Outcome> {
    const r = await runWithStale(['run', '--specs', specDir(files)]);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(0);
    expect(r.results!.summary.warnings).toBeGreaterThan(0);
    // The same warning, as results.json records it.
    const recorded = r.results!.runs[0].warnings.map((w) => `${w.file}${w.document ? ` (document ${w.document})` : ''}${w.object ? ` ${w.object}` : ''}: ${w.message}`).join('\n');
    expect(recorded).toMatch(message);
    expectHonest(r);
    return r;
  }

  it('an unknown field is dropped with the API server warning', () => expectWarning({ ...VALID, 'x.yaml': service('typo').replace('replicas: 1', 'replicas: 1\n  replicass: 3') }, /x\.yaml \(document 1\) LatticeService demo\/typo: unknown field "spec\.replicass"/));
  it('an empty file', () => expectWarning({ ...VALID, 'empty.yaml': '# nothing yet\n' }, /empty\.yaml: no objects in this file/));
  it('a file that is not YAML is skipped, and said so', () => expectWarning({ ...VALID, 'notes.conf': 'x=1' }, /notes\.conf: skipped: not a \.yaml, \.yml or \.json file/));
  it('a dependency on a service no input defines', () =>
    expectWarning({ ...VALID, 'x.yaml': service('caller', '', '      ghost: { type: service }\n') }, /LatticeService demo\/caller: spec\.workload\.resources\.ghost: dependency on demo\/ghost, which no LatticeService or LatticeMeshMember in the input defines/));
  it('a service that depends on itself', () => expectWarning({ ...VALID, 'x.yaml': service('narcissus', '', '      narcissus: { type: service }\n') }, /spec\.workload\.resources\.narcissus: dependency on itself \(demo\/narcissus\)/));
  it('a LatticeService at the deprecated v1alpha1 loads and runs, with the API server warning', async () => {
    const old = service('old').replace('lattice.dev/v1beta1', 'lattice.dev/v1alpha1').replace('  replicas: 1\n', '');
    const r = await expectWarning({ ...VALID, 'old.yaml': old }, /old\.yaml \(document 1\) LatticeService demo\/old: lattice\.dev\/v1alpha1 LatticeService is deprecated; use lattice\.dev\/v1beta1 LatticeService/);
    expect(r.results!.runs[0].warnings).toHaveLength(1);
    expect(r.results!.runs[0].services.map((s) => s.name).sort()).toEqual(['demo/old', 'demo/web']);
  });
});

describe('encodings and names a user may have', () => {
  async function expectLoads(files: Record<string, string | Buffer>, services: string[]): Promise<void> {
    const r = await runWithStale(['run', '--specs', specDir(files)]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.results!.runs[0].services.map((s) => s.name)).toEqual(services);
    expectHonest(r);
  }
  it('upper-case .YAML files load', () => expectLoads({ 'NAMESPACE.YAML': NAMESPACE, 'Web.YML': service('web') }, ['demo/web']));
  it('UTF-16 LE with a byte-order mark loads', () => expectLoads({ 'namespace.yaml': NAMESPACE, 'web.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(service('web'), 'utf16le')]) }, ['demo/web']));
  it('UTF-16 BE with a byte-order mark loads', () => expectLoads({ 'namespace.yaml': NAMESPACE, 'web.yaml': Buffer.from([0xfe, 0xff, ...Buffer.from(service('web'), 'utf16le').swap16()]) }, ['demo/web']));
  it('UTF-8 with a byte-order mark loads', () => expectLoads({ 'namespace.yaml': NAMESPACE, 'web.yaml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(service('web'))]) }, ['demo/web']));
  it('JSON files load', () => expectLoads({ 'namespace.json': JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } }), 'web.yaml': service('web') }, ['demo/web']));
});

describe('a run that never settles', () => {
  const LONG = 'abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghi';

  it('exits 1 and says why in the summary, results.json and junit.xml', async () => {
    const r = await runWithStale(['run', '--specs', specDir({ 'namespace.yaml': NAMESPACE, 'long.yaml': service(LONG) })]);
    expect(LONG).toHaveLength(64);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`UNVERIFIED: platform not Ready after \\d+s: demo/${LONG}`));
    expect(r.out).toMatch(/summary: UNVERIFIED \(exit 1\): .*1 unverified/);
    expect(r.results!.summary.status).toBe('unverified');
    expect(r.results!.runs[0].status).toBe('unverified');
    expect(r.results!.runs[0].verification.timedOut).toMatch(/platform not Ready/);
    expect(r.junit).toMatch(/<testcase classname="[^"]+" name="verification">\s*<error message="unverified: platform not Ready/);
    expect(r.junit).toMatch(/<testsuites name="lattice-sim" tests="\d+" failures="0" errors="1">/);
    expectHonest(r);
  });
});

describe('when lattice-sim itself fails (exit 3)', () => {
  it('prints one line naming the failure and the file with the full stack, and marks the reports internal-error', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'lattice-sim-internal-'));
    writeFileSync(join(outDir, 'results.json'), STALE);
    const err: string[] = [];
    const io = {
      out: () => {
        throw new Error('stdout closed');
      },
      err: (l: string) => err.push(l),
    };
    const code = await main(['run', '--specs', specDir(VALID), '--out', outDir], io);
    expect(code).toBe(3);
    expect(err).toHaveLength(1);
    expect(err[0]).toBe(`internal error [LATTICE_SIM_INTERNAL]: Error: stdout closed; full stack in ${join(outDir, 'error.log')} (--debug prints it; please report it with the command line)`);
    expect(readFileSync(join(outDir, 'error.log'), 'utf8')).toMatch(/Error: stdout closed\n\s+at /);
    const results = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as ResultsDocument;
    expect(results.summary.status).toBe('internal-error');
    expect(results.error?.stackFile).toBe(join(outDir, 'error.log'));
    expect(readFileSync(join(outDir, 'junit.xml'), 'utf8')).toMatch(/<error message="internal-error: Error: stdout closed">/);
  });

  it('prints the stack with --debug', async () => {
    const err: string[] = [];
    const code = await main(['run', '--specs', specDir(VALID), '--debug', '--out', mkdtempSync(join(tmpdir(), 'lattice-sim-internal-'))], {
      out: () => {
        throw new Error('stdout closed');
      },
      err: (l) => err.push(l),
    });
    expect(code).toBe(3);
    expect(err[1]).toMatch(/^Error: stdout closed\n\s+at /);
  });

  it('leaves no torn report when the disk refuses the write (ulimit -f), and says so', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'lattice-sim-efbig-'));
    writeFileSync(join(outDir, 'results.json'), STALE);
    const bin = new URL('../../bin/lattice-sim.mjs', import.meta.url).pathname;
    // 20 KiB: the incomplete mark fits, the full results.json of 3 topologies (~180 KiB) does not.
    const r = spawnSync('bash', ['-c', `ulimit -f 20; exec node ${bin} run --topologies 3 --out ${outDir}`], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/error \[LATTICE_SIM_WRITE_FAILED\]: cannot write the reports in .* \(EFBIG\): the run ended verified but left no report/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(outDir, 'results.json'))).toBe(false);
    expect(readdirSync(outDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
