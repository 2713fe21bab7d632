import * as fs from 'fs';
import * as path from 'path';
import { cachedSteps, debianMirror, parseDeb822Sources, parseOneLineSources } from './e2e/oci';
import { tempdir } from './util';

/** An /etc/apt with the given files. */
function etcApt(files: Record<string, string>): string {
  const dir = tempdir('gitops-apt-');
  fs.mkdirSync(path.join(dir, 'sources.list.d'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

// Debian 12's own files: the deb822 stanza its installer writes, and the classic one-line form.
const DEB822 = `Types: deb
# a comment inside the stanza
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

describe('the Debian mirror for debootstrap comes from the machine\'s apt sources only', () => {
  test('deb822 stanzas: types, several suites, comments, continuation lines, Enabled: no', () => {
    expect(parseDeb822Sources(DEB822)).toEqual([
      { uri: 'http://mirror.example/debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'] },
      { uri: 'http://mirror.example/debian-security', suites: ['bookworm-security'], components: ['main'] },
    ]);
    expect(parseDeb822Sources('Types: deb deb-src\nURIs: http://a.example/debian\n http://b.example/debian\nSuites: trixie\nComponents: main contrib\n')).toEqual([
      { uri: 'http://a.example/debian', suites: ['trixie'], components: ['main', 'contrib'] },
      { uri: 'http://b.example/debian', suites: ['trixie'], components: ['main', 'contrib'] },
    ]);
    expect(parseDeb822Sources('Types: deb-src\nURIs: http://a.example/debian\nSuites: bookworm\nComponents: main\n')).toEqual([]);
    expect(parseDeb822Sources('Enabled: no\nTypes: deb\nURIs: http://a.example/debian\nSuites: bookworm\nComponents: main\n')).toEqual([]);
  });

  test('one-line entries: options in brackets, comments, deb-src ignored', () => {
    expect(parseOneLineSources([
      '# deb http://commented.example/debian bookworm main',
      'deb-src http://src.example/debian bookworm main',
      'deb [arch=amd64 signed-by=/usr/share/keyrings/debian.gpg] http://mirror.example/debian bookworm main contrib # trailing',
      'deb http://mirror.example/debian-security bookworm-security main',
    ].join('\n'))).toEqual([
      { uri: 'http://mirror.example/debian', suites: ['bookworm'], components: ['main', 'contrib'] },
      { uri: 'http://mirror.example/debian-security', suites: ['bookworm-security'], components: ['main'] },
    ]);
  });

  test('the entry for the suite wins, from either format; another Debian release\'s mirror serves too', () => {
    expect(debianMirror('bookworm', etcApt({ 'sources.list.d/debian.sources': DEB822 }))).toBe('http://mirror.example/debian');
    expect(debianMirror('bookworm', etcApt({ 'sources.list': 'deb http://one.example/debian/ bookworm main\n' }))).toBe('http://one.example/debian');
    // A vendor's repository (suite `nodistro`) is not a Debian mirror, however early it comes.
    expect(debianMirror('bookworm', etcApt({
      'sources.list.d/a-nodesource.sources': 'Types: deb\nURIs: https://vendor.example/node_20.x\nSuites: nodistro\nComponents: main\n',
      'sources.list.d/debian.list': 'deb http://trixie.example/debian trixie main\n',
    }))).toBe('http://trixie.example/debian');
  });

  test('no mirror: a clear error naming the files and a fix; no address is guessed', () => {
    const dir = etcApt({ 'sources.list': '# nothing\n', 'sources.list.d/debian.sources.disabled': DEB822 });
    expect(() => debianMirror('bookworm', dir)).toThrow(/no Debian mirror in this machine's apt sources .*sources\.list.*\*\.sources.*'deb <mirror URI> bookworm main'.*'Suites: bookworm'/s);
    expect(() => debianMirror('bookworm', etcApt({}))).toThrow(/no Debian mirror/);
  });
});

test('cachedSteps reads buildah --layers output', () => {
  const log = [
    '[1/2] STEP 1/3: FROM localhost/python-test:bookworm AS deps',
    '[1/2] STEP 2/3: RUN --mount=type=cache,target=/root/.cache/pip     /opt/venv/bin/pip install -r requirements.txt',
    '--> Using cache 7c56e09f51007a2ff3627815f72aee63a138de6ac37cc730b7442301ac30b8bb',
    '--> 7c56e09f510',
    '[2/2] STEP 1/1: COPY . .',
    'COMMIT localhost/x:1',
  ].join('\n');
  expect(cachedSteps(log)).toEqual([
    { instruction: 'FROM localhost/python-test:bookworm AS deps', cached: false },
    { instruction: 'RUN --mount=type=cache,target=/root/.cache/pip     /opt/venv/bin/pip install -r requirements.txt', cached: true },
    { instruction: 'COPY . .', cached: false },
  ]);
});
