// Renovate needs Node.js 24; on Node.js 20 it lacks these ES2025 built-ins, loaded before it with
// --require by test/renovate.test.ts. Only what Renovate calls here, in plain terms.
const P = Set.prototype;
const keys = (o) => [...o.keys()];
if (!P.union) P.union = function (o) { return new Set([...this, ...keys(o)]); };
if (!P.intersection) P.intersection = function (o) { const k = new Set(keys(o)); return new Set([...this].filter((x) => k.has(x))); };
if (!P.difference) P.difference = function (o) { const k = new Set(keys(o)); return new Set([...this].filter((x) => !k.has(x))); };
if (!P.symmetricDifference) P.symmetricDifference = function (o) { const k = new Set(keys(o)); return new Set([...[...this].filter((x) => !k.has(x)), ...[...k].filter((x) => !this.has(x))]); };
if (!P.isSubsetOf) P.isSubsetOf = function (o) { const k = new Set(keys(o)); return [...this].every((x) => k.has(x)); };
if (!P.isSupersetOf) P.isSupersetOf = function (o) { return keys(o).every((x) => this.has(x)); };
if (!P.isDisjointFrom) P.isDisjointFrom = function (o) { const k = new Set(keys(o)); return [...this].every((x) => !k.has(x)); };
// As the spec: syntax characters get a backslash; other punctuators, whitespace and a leading
// alphanumeric become \xHH, so the result is valid with and without the u flag.
const hex = (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
if (!RegExp.escape) {
  RegExp.escape = (s) => String(s)
    .replace(/[\^$\\.*+?()[\]{}|/]/g, '\\$&')
    .replace(/^[0-9A-Za-z]/, hex)
    .replace(/[,\-=<>#&!%:;@~'`"\s]/g, hex);
}
