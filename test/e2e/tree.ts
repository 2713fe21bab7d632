import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** sha256 of every file (path and content) outside node_modules and .git. */
export function treeHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else hash.update(child).update('\0').update(fs.readFileSync(path.join(dir, child))).update('\0');
    }
  };
  walk('.');
  return hash.digest('hex');
}
