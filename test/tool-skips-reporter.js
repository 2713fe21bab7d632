// A jest reporter: at the end of the run, how many tests were skipped (or ran without one of
// their checks) because a tool was not installed, per tool. test/tools.ts records each skip
// in the file this reporter names in PROJEN_GITOPS_TOOL_SKIPS (test workers inherit it).
const fs = require('fs');
const os = require('os');
const path = require('path');

class ToolSkipsReporter {
  constructor() {
    this.log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'projen-gitops-tool-skips-')), 'skips.jsonl');
    fs.writeFileSync(this.log, '');
    process.env.PROJEN_GITOPS_TOOL_SKIPS = this.log;
  }

  onRunComplete(_contexts, results) {
    const records = fs.readFileSync(this.log, 'utf-8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
    fs.rmSync(path.dirname(this.log), { recursive: true, force: true });
    // tool -> { skipped: Set of test names, partial: Set of test names }
    const byTool = new Map();
    const entry = (tool) => byTool.get(tool) ?? byTool.set(tool, { skipped: new Set(), partial: new Set() }).get(tool);
    for (const r of records) {
      if (r.kind === 'check') {
        entry(r.tool).partial.add(`${r.file} ${r.title}`);
        continue;
      }
      const file = results.testResults.find((f) => f.testFilePath === r.file);
      for (const t of file ? file.testResults : []) {
        const inScope = r.kind === 'test' ? t.title === r.title : t.ancestorTitles.includes(r.title);
        if (inScope && t.status === 'pending') entry(r.tool).skipped.add(`${r.file} ${t.fullName}`);
      }
    }
    if (byTool.size === 0) {
      process.stderr.write('Tools: no test skipped for a missing tool.\n');
      return;
    }
    const parts = [...byTool.entries()].sort().map(([tool, { skipped, partial }]) =>
      `${tool}: ${skipped.size} skipped${partial.size ? `, ${partial.size} ran without its checks` : ''}`);
    const total = new Set([...byTool.values()].flatMap((e) => [...e.skipped])).size;
    process.stderr.write(`\n\x1b[33mTools missing: ${total} tests skipped (${parts.join('; ')}). ` +
      'Install them with bash scripts/install-tools.sh (docs/testing.md); under CI=true they fail.\x1b[0m\n');
  }
}

module.exports = ToolSkipsReporter;
