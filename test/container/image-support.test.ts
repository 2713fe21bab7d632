import { Runtime } from '../../src';
import { runtimeFacts } from '../../src/model/runtime-facts';

/**
 * When the publishers stop rebuilding what the default images are made of, each fact with
 * its source. An image must match at least one entry (a default nobody recorded fails), and
 * every entry it matches must still be supported. Dates marked `estimated` are not announced
 * yet: they are the earliest the publisher's own rule allows, so the test fails early, not late.
 * Renovate (renovate.json) proposes new image versions; this table says when one is overdue.
 */
interface Support { readonly image: RegExp; readonly what: string; readonly eol: string; readonly source: string }
const SUPPORT: Support[] = [
  { image: /\/node:22[-.]/, what: 'Node.js 22', eol: '2027-04-30', source: 'nodejs/Release schedule.json (v22 end)' },
  { image: /\/node:24[-.]/, what: 'Node.js 24', eol: '2028-04-30', source: 'nodejs/Release schedule.json (v24 end)' },
  { image: /\/python:3\.12[-.]/, what: 'Python 3.12', eol: '2028-10-01', source: 'python/peps release_management/python-releases.toml (3.12 end-of-life, PEP 693)' },
  { image: /\/python:3\.13[-.]/, what: 'Python 3.13', eol: '2029-10-01', source: 'python/peps release_management/python-releases.toml (3.13 end-of-life, PEP 719)' },
  { image: /\/golang:1\.23[-.]/, what: 'Go 1.23', eol: '2025-08-12', source: 'go.dev/doc/devel/release: supported until two newer majors; Go 1.25 released 2025-08-12 (golang/website internal/history)' },
  { image: /\/golang:1\.27[-.]/, what: 'Go 1.27', eol: '2027-08-01', source: 'estimated: supported until Go 1.29; Go ships a major each February and August (go.dev/doc/devel/release; 1.27 released 2026-08-19)' },
  { image: /-bookworm\b|debian12\b/, what: 'Debian 12 (bookworm)', eol: '2026-07-11', source: 'Debian distro-info-data debian.csv (bookworm eol; LTS to 2028-06-30)' },
  { image: /-trixie\b|debian13\b/, what: 'Debian 13 (trixie)', eol: '2028-08-09', source: 'Debian distro-info-data debian.csv (trixie eol; LTS to 2030-06-30)' },
  { image: /distroless\/static-debian12:/, what: 'distroless static-debian12', eol: '2026-09-01', source: 'GoogleContainerTools/distroless SUPPORT_POLICY.md (Debian 12 static: Sept 2026)' },
  { image: /distroless\/static-debian13:/, what: 'distroless static-debian13', eol: '2028-08-09', source: 'GoogleContainerTools/distroless SUPPORT_POLICY.md (Debian 14 release + 1 year; at least Debian 13 eol)' },
  { image: /eclipse-temurin(:|-)21\b|jdk21\b/, what: 'Eclipse Temurin 21', eol: '2029-12-01', source: 'adoptium.net/support (Temurin 21 LTS until at least December 2029)' },
  { image: /nginx-unprivileged:1\.30-/, what: 'nginx 1.30 (stable)', eol: '2027-04-01', source: 'estimated: nginx.org supports a stable branch until the next one, each April; nginx/docker-nginx-unprivileged stable/ builds 1.30' },
];

/** The default images of every preset, at each runtime's default version. */
function defaultImages(): string[] {
  return Object.values(Runtime).flatMap((runtime) => {
    const facts = runtimeFacts(runtime);
    const version = facts?.version?.default ?? '';
    return [facts?.baseImage?.(version), facts?.buildImage?.(version)].filter((i): i is string => !!i);
  });
}

/** What is out of support, or unrecorded, among `images` on `today` (YYYY-MM-DD). */
function supportFindings(images: string[], today: string): string[] {
  return images.flatMap((image) => {
    const facts = SUPPORT.filter((s) => s.image.test(image));
    if (!facts.length) return [`${image}: no support entry; record when its publisher stops rebuilding it`];
    return facts.filter((s) => today > s.eol).map((s) => `${image}: ${s.what} reached end of life on ${s.eol} (${s.source})`);
  });
}

describe('default images are still supported by their publishers', () => {
  test('every default image', () => {
    const images = defaultImages();
    expect(images.length).toBeGreaterThanOrEqual(10);
    expect(supportFindings(images, new Date().toISOString().slice(0, 10))).toEqual([]);
  });

  test('the check fails an end-of-life image and an unrecorded one', () => {
    expect(supportFindings(['gcr.io/distroless/static-debian12:nonroot'], '2026-12-01')).toEqual([
      expect.stringContaining('Debian 12 (bookworm) reached end of life on 2026-07-11'),
      expect.stringContaining('distroless static-debian12 reached end of life on 2026-09-01'),
    ]);
    expect(supportFindings(['docker.io/library/golang:1.23-trixie'], '2026-12-01')).toEqual([expect.stringContaining('Go 1.23 reached end of life')]);
    expect(supportFindings(['docker.io/library/ruby:3.4-slim'], '2026-12-01')).toEqual([expect.stringContaining('no support entry')]);
    expect(supportFindings(['docker.io/library/node:22-trixie-slim'], '2027-05-01')).toEqual([expect.stringContaining('Node.js 22 reached end of life on 2027-04-30')]);
  });
});
