import { podSpecOf, restrictedViolations } from './pod-security';
import { RenderedObject } from './render';
import { parseForKubernetes, stringifyForKubernetes } from '../core/kube-yaml';

/** A multi-document YAML stream as written to `deploy/rendered/`: each object under its `# Source:`. */
export function manifestStream(header: string[], objects: RenderedObject[]): string {
  const docs = objects.map((o) => `---\n# Source: ${o.source}\n${stringifyForKubernetes(o.object)}`);
  return `${header.map((l) => `# ${l}`).join('\n')}\n${docs.join('')}`;
}

/** The objects of a YAML stream as kubectl reads them (YAML 1.1; empty documents dropped), throwing on a YAML error. */
export function parseManifests(text: string): any[] {
  return parseForKubernetes(text);
}

/**
 * The differences between two manifest streams after the documented normalization: both are
 * parsed, empty documents and comments dropped, objects keyed by kind, namespace and name;
 * keys compare unordered, lists ordered, values by type and value. Empty when they agree.
 */
export function compareManifests(expected: string, actual: string): string[] {
  const key = (o: any) => `${o?.kind}/${o?.metadata?.namespace ?? ''}/${o?.metadata?.name}`;
  const a = new Map(parseManifests(expected).map((o) => [key(o), o]));
  const b = new Map(parseManifests(actual).map((o) => [key(o), o]));
  const problems: string[] = [];
  for (const k of a.keys()) if (!b.has(k)) problems.push(`${k}: missing`);
  for (const k of b.keys()) if (!a.has(k)) problems.push(`${k}: not expected`);
  for (const [k, o] of a) if (b.has(k)) problems.push(...diff(o, b.get(k), k));
  return problems;
}

function diff(a: any, b: any, at: string): string[] {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a)
      ? [...Array(Math.max(a.length, b.length)).keys()].map(String)
      : [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diff(a[k as any], b[k as any], `${at}.${k}`));
  }
  return a === b ? [] : [`${at}: expected ${JSON.stringify(a)}, got ${JSON.stringify(b)}`];
}

/** Restricted Pod Security violations of every workload in a manifest stream. */
export function podSecurityViolations(text: string): string[] {
  return parseManifests(text).flatMap((o) => {
    const spec = podSpecOf(o);
    return spec ? restrictedViolations(spec, `${o.kind}/${o.metadata?.name}.spec`) : [];
  });
}
