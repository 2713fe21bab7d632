process.env.PROJEN_DISABLE_POST = 'true'; // no npm install in unit tests

/**
 * `deploy/environments/<env>/images.yaml`, written by automation and read at synth: read
 * strictly and safely. Each class of bad file has its known-bad fixture here; a bad file stops
 * synth naming the file, with every file left as it was.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GitOpsProject, Runtime } from '../../src';
import { parseImages, PromoteError } from '../../src/cli/promote';
import { IMAGES_FILE_LIMIT, parseImagesText } from '../../src/model/images-file';
import { readTree, tempdir } from '../util';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

function project(outdir: string): GitOpsProject {
  const p = new GitOpsProject({ name: 'orders', outdir, repository: 'acme/orders', environments: [{ name: 'dev' }, { name: 'prod' }] });
  p.addService({ name: 'worker', runtime: Runtime.GO, port: 9090 });
  return p;
}

/** Synth, returning what it warned. */
function synth(outdir: string): string[] {
  const p = project(outdir);
  const warnings: string[] = [];
  jest.spyOn(p.logger, 'warn').mockImplementation((...text: any[]) => {
    warnings.push(text.join(' '));
  });
  p.synth();
  return warnings;
}

const file = (outdir: string, env = 'prod') => path.join(outdir, `deploy/environments/${env}/images.yaml`);
const image = (outdir: string, service: string, env = 'prod') => /^\s+image: (\S+)$/m.exec(fs.readFileSync(path.join(outdir, `deploy/rendered/${env}/${service}.yaml`), 'utf-8'))?.[1];

/** Writes a bad images.yaml, expects synth to stop with `message`, and nothing changed. */
function refused(outdir: string, content: string | (() => void), message: RegExp): string {
  if (typeof content === 'string') fs.writeFileSync(file(outdir), content);
  else content();
  const before = readTree(outdir);
  let error: Error | undefined;
  try {
    synth(outdir);
  } catch (e) {
    error = e as Error;
  }
  expect(error?.message).toMatch(message);
  expect(readTree(outdir)).toEqual(before);
  return error!.message;
}

describe('images.yaml is read strictly', () => {
  let outdir: string;
  beforeEach(() => {
    outdir = tempdir();
    synth(outdir);
  });

  test('a good file pins the digests (the fixtures below differ from it by one thing)', () => {
    fs.writeFileSync(file(outdir), `images:\n  orders:\n    digest: "${A}" # commit ${'c'.repeat(40)}\n  worker:\n    digest: ""\n`);
    synth(outdir);
    expect(image(outdir, 'orders')).toBe(`ghcr.io/acme/orders@${A}`);
    expect(image(outdir, 'worker')).toBe('ghcr.io/acme/orders/worker:main');
  });

  test('a key naming no service (misspelt, or a renamed service) is an error naming the file, the key and the services', () => {
    const message = refused(outdir, `images:\n  ordrs:\n    digest: "${A}"\n  worker:\n    digest: ""\n`,
      /deploy\/environments\/prod\/images.yaml: images.ordrs names no service of this repository \(services: orders, worker\); rename the key to the service's name, or delete its entry/);
    expect(message).not.toMatch(/fallback tag ran/);
  });

  test.each([
    ['an anchor and an alias', `images:\n  orders: &pin\n    digest: "${A}"\n  worker: *pin\n`, /uses an anchor \(&pin\): helm and synth would read it differently/],
    ['a merge key', `images:\n  orders:\n    digest: "${A}"\n  worker:\n    <<: { digest: "${B}" }\n`, /uses a merge key \(<<\)/],
    // Found by the fuzz test: helm refuses a tab where indentation goes; synth's reader did not.
    ['a tab before a comment', `\t#<<: # written by automation\nimages:\n  orders:\n    digest: "${A}"\n`, /has a tab at the start of line 1: YAML indents with spaces only/],
    ['an alias alone', 'images:\n  orders:\n    digest: *nothing\n', /is not valid YAML|uses an alias/],
    ['a tag', `images:\n  orders:\n    digest: !!binary "${A}"\n`, /uses a tag \(tag:yaml.org,2002:binary\)/],
    ['a duplicate key', `images:\n  orders:\n    digest: "${A}"\n  orders:\n    digest: "${B}"\n`, /is not valid YAML \(".*unique/],
    ['a list', 'images:\n  - orders\n', /must hold only 'images:'/],
    ['another top-level key', 'images: {}\nextra: 1\n', /must hold only 'images:'/],
    ['a tag for a digest', 'images:\n  orders:\n    digest: latest\n', /images.orders must be \{ digest: 'sha256:<64 hex digits>' \}/],
    // Found by the fuzz test (helm refuses these; synth read them as "no digests").
    ['images: with no map', 'images:\n', /images must be a map of service to digest, got "null"/],
    ['a bare document end', '...\n', /holds no map/],
    ['a tab alone', '\t\n', /has a tab at the start of line 1/],
  ])('%s is refused', (_what, content, message) => {
    refused(outdir, content, new RegExp(`deploy/environments/prod/images.yaml: ${message.source}`));
  });

  test('a symbolic link is refused, and what it points at is never printed', () => {
    const secret = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'secret-')), 'credentials');
    fs.writeFileSync(secret, 'images:\n  orders:\n    digest: "TOP-SECRET-VALUE"\n');
    const message = refused(outdir, () => {
      fs.rmSync(file(outdir));
      fs.symlinkSync(secret, file(outdir));
    }, /deploy\/environments\/prod\/images.yaml: is a symbolic link: automation writes a regular file here/);
    expect(message).not.toContain('TOP-SECRET-VALUE');
    // A link inside the repository is refused as well (helm and Argo CD read the file, not the link).
    fs.rmSync(file(outdir));
    fs.symlinkSync('../dev/images.yaml', file(outdir));
    expect(() => synth(outdir)).toThrow(/prod\/images.yaml: is a symbolic link/);
  });

  test('a folder linked out of the repository is refused', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'outside-'));
    fs.writeFileSync(path.join(outside, 'images.yaml'), `images:\n  orders:\n    digest: "${A}"\n`);
    fs.rmSync(path.join(outdir, 'deploy/environments/prod'), { recursive: true });
    fs.symlinkSync(outside, path.join(outdir, 'deploy/environments/prod'));
    const rendered = readTree(path.join(outdir, 'deploy/rendered'));
    expect(() => synth(outdir)).toThrow(/deploy\/environments\/prod\/images.yaml: "deploy\/environments\/prod\/images.yaml" leads outside the repository through a symbolic link/);
    expect(readTree(path.join(outdir, 'deploy/rendered'))).toEqual(rendered);
    expect(fs.readdirSync(outside)).toEqual(['images.yaml']);
  });

  test('a file over the size limit is refused before it is parsed, at once', () => {
    const big = `images:\n${Array.from({ length: 20_000 }, (_, i) => `  s${i}:\n    digest: ""\n`).join('')}`;
    expect(big.length).toBeGreaterThan(IMAGES_FILE_LIMIT);
    // The size check's own message: it answered before the YAML was parsed (no clock needed).
    refused(outdir, big, /images.yaml: holds \d+ bytes, more than the 262144 an images.yaml may have/);
    // Parsing as such stops at the limit too (the text git show hands to promote).
    expect(parseImagesText(big).problem).toMatch(/more than the 262144/);
  });

  test('a 100 kB value makes a message of sane length', () => {
    const message = refused(outdir, `images:\n  orders:\n    digest: "${'x'.repeat(100_000)}"\n`, /images.orders must be/);
    expect(message.length).toBeLessThan(2000);
    const key = refused(outdir, `images:\n  ${'k'.repeat(100_000)}:\n    digest: ""\n`, /names no service|must be/);
    expect(key.length).toBeLessThan(2000);
  });
});

describe('every digest change synth makes is said', () => {
  test('an images.yaml that loses a digest: each service whose image changes is named', () => {
    const outdir = tempdir();
    synth(outdir);
    fs.writeFileSync(file(outdir), `images:\n  orders:\n    digest: "${A}"\n  worker:\n    digest: "${B}"\n`);
    expect(synth(outdir)).toEqual([
      `orders in prod: the image changes from ghcr.io/acme/orders:main to ghcr.io/acme/orders@${A} (deploy/environments/prod/images.yaml pins it)`,
      `worker in prod: the image changes from ghcr.io/acme/orders/worker:main to ghcr.io/acme/orders/worker@${B} (deploy/environments/prod/images.yaml pins it)`,
    ]);
    fs.writeFileSync(file(outdir), `images:\n  orders:\n    digest: "${A}"\n  worker:\n    digest: ""\n`);
    expect(synth(outdir)).toEqual([`worker in prod: the image changes from ghcr.io/acme/orders/worker@${B} to ghcr.io/acme/orders/worker:main (deploy/environments/prod/images.yaml has no digest for worker: it runs the fallback tag)`]);
    // Nothing changed: nothing said.
    expect(synth(outdir)).toEqual([]);
  });

  test('deleting deploy/ resets every digest: said, naming each one, with the way back', () => {
    const outdir = tempdir();
    synth(outdir);
    fs.writeFileSync(file(outdir), `images:\n  orders:\n    digest: "${A}"\n  worker:\n    digest: "${B}"\n`);
    synth(outdir);
    const git = (...args: string[]) => expect(spawnSync('git', args, { cwd: outdir }).status).toBe(0);
    git('init', '--quiet');
    git('add', '--all');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'init');
    fs.rmSync(path.join(outdir, 'deploy'), { recursive: true });
    const warnings = synth(outdir);
    expect(warnings).toEqual([
      `deploy/environments/prod/images.yaml was missing and is written again with empty digests: orders (${A.slice(0, 19)}...), worker (${B.slice(0, 19)}...) in prod now run the fallback tag instead of the digest committed in HEAD. If it was deleted by mistake: git checkout HEAD -- deploy/environments/prod/images.yaml && npx projen`,
    ]);
    expect(image(outdir, 'orders')).toBe('ghcr.io/acme/orders:main');
  });
});

describe('promote reads images.yaml with the same parser', () => {
  test('the commit comment is read; a merge key or an unknown service is a PromoteError', () => {
    expect(parseImages(`images:\n  orders:\n    digest: "${A}" # commit ${'c'.repeat(40)}\n`, ['orders'])).toEqual({ orders: { digest: A, commit: 'c'.repeat(40) } });
    expect(() => parseImages(`images:\n  orders:\n    <<: { digest: "${A}" }\n`, ['orders'])).toThrow(PromoteError);
    expect(() => parseImages(`images:\n  ordrs:\n    digest: "${A}"\n`, ['orders'], 'deploy/environments/prod/images.yaml at origin/main')).toThrow(/^deploy\/environments\/prod\/images.yaml at origin\/main images.ordrs names no service of this repository \(services: orders\)/);
  });
});

describe('the hold in images.yaml (written by promote --rollback): its grammar, one for synth, promote and helm', () => {
  const SINCE = '2026-12-04T05:00:00Z';
  const held = (hold: string) => `hold:\n${hold}\nimages:\n  orders:\n    digest: "${A}"\n  worker:\n    digest: ""\n`;
  let outdir: string;
  beforeEach(() => {
    outdir = tempdir();
    synth(outdir);
  });

  test('a good hold is read, and the manifests render as without it', () => {
    fs.writeFileSync(file(outdir), held(`  reason: "orders answers 500"\n  by: "octocat"\n  since: "${SINCE}"`));
    synth(outdir);
    expect(image(outdir, 'orders')).toBe(`ghcr.io/acme/orders@${A}`);
    expect(parseImagesText(fs.readFileSync(file(outdir), 'utf-8'), ['orders', 'worker'])).toMatchObject({ hold: { reason: 'orders answers 500', by: 'octocat', since: SINCE } });
    // The charts' values schema has the same hold (helm reads images.yaml as a values file).
    const schema = JSON.parse(fs.readFileSync(path.join(outdir, 'deploy/charts/orders/values.schema.json'), 'utf-8'));
    expect(schema.properties.hold).toMatchObject({ required: ['reason', 'by', 'since'], additionalProperties: false });
  });

  test.each([
    ['not a map', 'hold: true\nimages: {}\n', /images.yaml: hold must be a map with reason, by and since, got true; try 'hold: \{ reason: .*delete 'hold:' to lift it/],
    ['a field of no hold', held(`  reason: "x"\n  by: "octocat"\n  since: "${SINCE}"\n  until: "tomorrow"`), /images.yaml: hold.until is no field of a hold \(reason, by, since\); delete it/],
    ['no reason', held(`  by: "octocat"\n  since: "${SINCE}"`), /images.yaml: hold.reason must be a non-empty string, got null; try 'orders answers 500 since 1.4.2'/],
    ['a reason over two lines', held(`  reason: "first\\nsecond"\n  by: "octocat"\n  since: "${SINCE}"`), /hold.reason must be one line of text with no backtick and no leading or trailing space, got "first\\nsecond"; try "first second"/],
    ['a backtick in by', held(`  reason: "x"\n  by: "\`rm\`"\n  since: "${SINCE}"`), /hold.by must be one line of text with no backtick/],
    ['a reason too long', held(`  reason: "${'x'.repeat(201)}"\n  by: "octocat"\n  since: "${SINCE}"`), /hold.reason is 201 characters, more than 200; shorten it/],
    ['a local time', held('  reason: "x"\n  by: "octocat"\n  since: "2026-12-04 05:00"'), /hold.since must be a UTC time as YYYY-MM-DDTHH:MM:SSZ, got "2026-12-04 05:00"; try '1970-01-01T00:00:00Z'/],
  ])('%s: synth stops naming the file, the key and a fix; no file changes', (_name, text, message) => {
    refused(outdir, text, message);
  });

  test('another top-level key is still refused, naming hold as the one other key allowed', () => {
    refused(outdir, 'holds: {}\nimages: {}\n', /must hold only 'images:' with a digest per service \(and a 'hold:' while the environment is held\)/);
  });

  test('every fix a message offers is itself accepted', () => {
    const fixed = held('  reason: "orders answers 500 since 1.4.2"\n  by: "octocat"\n  since: "1970-01-01T00:00:00Z"');
    expect(parseImagesText(fixed, ['orders', 'worker']).problem).toBeUndefined();
    expect(parseImagesText(held('  reason: "first second"\n  by: "octocat"\n  since: "1970-01-01T00:00:00Z"'), ['orders', 'worker']).problem).toBeUndefined();
  });
});
