/**
 * GitHub's own REST API description (@octokit/openapi) compiled with ajv, so generated
 * rulesets and the protect task's requests are checked against what GitHub accepts. The
 * description leaves objects open; they are closed here, or a misspelt key would pass.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';

const DESCRIPTION = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json');

let api: any;
const validators = new Map<string, ValidateFunction>();

/** Sets `additionalProperties: false` on every object schema that lists its properties. */
function close(schema: any): any {
  if (Array.isArray(schema)) return schema.map(close);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: any = {};
  for (const [k, v] of Object.entries(schema)) copy[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, close(s)])) : close(v);
  if (copy.type === 'object' && copy.properties && copy.additionalProperties === undefined) copy.additionalProperties = false;
  // OpenAPI 3.0's `nullable` next to `oneOf`/`anyOf` instead of a `type` (issue updates): ajv
  // refuses it, and the alternatives already say what is allowed.
  if (copy.nullable !== undefined && copy.type === undefined) delete copy.nullable;
  // OpenAPI 3.0: `nullable: true` allows null even with an `enum` (a check run's conclusion
  // while it runs); ajv reads the enum alone.
  if (copy.nullable === true && Array.isArray(copy.enum) && !copy.enum.includes(null)) copy.enum = [...copy.enum, null];
  return copy;
}

/** A validator for the JSON request body of an operation, e.g. ('/repos/{owner}/{repo}/rulesets', 'post'). */
export function requestBodyValidator(route: string, method: string): ValidateFunction<any> {
  const key = `${method} ${route}`;
  let validate = validators.get(key);
  if (!validate) {
    api ??= JSON.parse(fs.readFileSync(DESCRIPTION, 'utf-8'));
    // Formats are not checked (no ajv-formats; GitHub's own, like repo.nwo, are unknown to any).
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'github', components: close(api.components) });
    const schema = api.paths[route][method].requestBody.content['application/json'].schema;
    const rewrite = (s: any): any => JSON.parse(JSON.stringify(close(s)).replace(/"#\/components\//g, '"github#/components/'));
    validate = ajv.compile(rewrite(schema));
    validators.set(key, validate);
  }
  return validate;
}

/**
 * A validator for the JSON response of an operation with `status`, e.g.
 * ('/repos/{owner}/{repo}/dependency-graph/compare/{basehead}', 'get', '200'), so what a fake
 * answers has the shape GitHub documents (closed objects, like the request bodies).
 */
export function responseValidator(route: string, method: string, status: string): ValidateFunction<any> {
  const key = `${method} ${route} ${status}`;
  let validate = validators.get(key);
  if (!validate) {
    api ??= JSON.parse(fs.readFileSync(DESCRIPTION, 'utf-8'));
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'github', components: close(api.components) });
    let response = api.paths[route][method].responses[status];
    if (response.$ref) response = api.components.responses[response.$ref.split('/').pop()];
    const schema = response.content['application/json'].schema;
    validate = ajv.compile(JSON.parse(JSON.stringify(close(schema)).replace(/"#\/components\//g, '"github#/components/')));
    validators.set(key, validate);
  }
  return validate;
}

/** The query parameters an operation documents, by name. */
export function queryParameters(route: string, method: string): string[] {
  api ??= JSON.parse(fs.readFileSync(DESCRIPTION, 'utf-8'));
  return api.paths[route][method].parameters
    .map((p: any) => (p.$ref ? api.components.parameters[p.$ref.split('/').pop()] : p))
    .filter((p: any) => p.in === 'query')
    .map((p: any) => p.name);
}

/** ajv's errors as short lines, for assertions and server answers. */
export function errorsOf(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` '${(e.params as any).additionalProperty}'` : ''}`);
}

/**
 * The smallest response GitHub's REST description allows for an operation and status (every
 * required field, strings empty-ish, numbers 0, nullable fields null), with `overrides` laid
 * over it: a fake answers with the shape GitHub documents without spelling out 80 URL fields.
 * The result is checked against the same description by `responseValidator` before use.
 */
export function exampleResponse(route: string, method: string, status: string, overrides: any = {}): any {
  api ??= JSON.parse(fs.readFileSync(DESCRIPTION, 'utf-8'));
  let response = api.paths[route][method].responses[status];
  if (response.$ref) response = api.components.responses[response.$ref.split('/').pop()];
  return merge(example(response.content['application/json'].schema, 0), overrides);
}

function resolve(schema: any): any {
  while (schema?.$ref) schema = schema.$ref.split('/').slice(1).reduce((o: any, k: string) => o[k], api);
  return schema;
}

function example(raw: any, depth: number): any {
  const schema = resolve(raw);
  if (!schema || depth > 12) return null;
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: any) => example(s, depth + 1)));
  if (schema.anyOf || schema.oneOf) return example((schema.anyOf ?? schema.oneOf)[0], depth + 1);
  if (schema.nullable) return null;
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  if (Array.isArray(schema.type) && schema.type.includes('null')) return null;
  switch (type) {
    case 'object': return Object.fromEntries((schema.required ?? []).map((k: string) => [k, example(schema.properties?.[k] ?? {}, depth + 1)]));
    case 'array': return [];
    case 'integer': case 'number': return 0;
    case 'boolean': return false;
    case 'string': return schema.format === 'date-time' ? '2026-01-01T00:00:00Z' : schema.format === 'uri' ? 'https://api.github.com/x' : 'x';
    default: return schema.properties ? example({ ...schema, type: 'object' }, depth) : null;
  }
}

function merge(base: any, over: any): any {
  if (!over || typeof over !== 'object' || Array.isArray(over) || !base || typeof base !== 'object' || Array.isArray(base)) return over === undefined ? base : over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/** The smallest object of a schema in the description's components (e.g. 'minimal-repository'), with `overrides`. */
export function exampleSchema(name: string, overrides: any = {}): any {
  api ??= JSON.parse(fs.readFileSync(DESCRIPTION, 'utf-8'));
  return merge(example(api.components.schemas[name], 0), overrides);
}
