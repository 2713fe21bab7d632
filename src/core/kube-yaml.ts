import { parseAllDocuments } from 'yaml';
import { stringifyYaml } from './fast-yaml';

/*
 * YAML that Kubernetes tools read. kubectl, helm and Argo CD parse YAML with Go's YAML 1.1
 * rules (sigs.k8s.io/yaml): a plain `on`, `no`, `y`, `null`, `0x1` or `1e3` is a boolean, null
 * or number there, though YAML 1.2 (the `yaml` package's default) reads it as a string. Every
 * file a Kubernetes tool reads is written here with YAML 1.1 rules (such strings are quoted),
 * and read back with the same rules, so what we wrote, what helm prints and what kubectl applies
 * are the same values.
 */

/** A YAML document for Kubernetes tools: strings YAML 1.1 would read as anything else are quoted. */
export function stringifyForKubernetes(value: unknown): string {
  return stringifyYaml(value, '1.1');
}

/** The documents of a YAML stream read as kubectl reads them (YAML 1.1), throwing on a YAML error; empty documents dropped. */
export function parseForKubernetes(text: string): any[] {
  return parseAllDocuments(text, { version: '1.1' }).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
    return doc.toJS();
  }).filter((o) => o !== null && o !== undefined);
}
