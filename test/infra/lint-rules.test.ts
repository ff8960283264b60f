// The architecture rules in eslint.config.mjs fire: the domain importing an adapter, configuration or
// dev/, shipped code importing dev/, and an import cycle (type-only too) are each reported. Linted
// through ESLint's Node API with the project's own config, on edited text of real files (nothing on disk
// changes), in a child process: ESLint loads its config as an ES module, which jest's runtime cannot.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');

interface Finding {
  ruleId: string | null;
  message: string;
}

/** The findings of the project's config on `code` as if it were the content of `filePath`. */
function lint(cases: ReadonlyArray<{ code: string; filePath: string }>): Finding[][] {
  const script = `
    const { ESLint } = require('eslint');
    const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const { code, filePath } of cases) {
        const [result] = await eslint.lintText(code, { filePath });
        out.push(result.messages.map(({ ruleId, message }) => ({ ruleId, message })));
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((error) => { console.error(error); process.exit(1); });`;
  const output = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, input: JSON.stringify(cases), encoding: 'utf8' });
  return JSON.parse(output) as Finding[][];
}

const rules = (findings: Finding[]) => findings.map((finding) => finding.ruleId);

describe('architecture lint rules', () => {
  let results: Finding[][];
  beforeAll(() => {
    results = lint([
      // 0: the domain importing an adapter
      {
        filePath: 'shared/runbook/diagnose.ts',
        code: "import { createGraphClient } from '../graph/client';\nexport const client = createGraphClient;\n",
      },
      // 1: the domain importing configuration
      {
        filePath: 'shared/policy/containment-policy.ts',
        code: "import { loadConfig } from '../config';\nexport const load = loadConfig;\n",
      },
      // 2: shipped code importing dev/
      {
        filePath: 'functions/contain.ts',
        code: "import { startLocalStack } from '../dev/stack';\nexport const start = startLocalStack;\n",
      },
      // 3: a new cycle of type-only imports: incident.ts imports alerts/types.ts
      { filePath: 'shared/alerts/types.ts', code: "import type { Incident } from '../runbook/incident';\nexport type Named = Incident;\n" },
      // 4: an adapter importing the domain is the allowed direction
      { filePath: 'shared/graph/client.ts', code: "import type { Incident } from '../runbook/incident';\nexport type Named = Incident;\n" },
    ]);
  }, 120_000);

  it('reports the domain importing an adapter', () => {
    expect(results[0].find((finding) => finding.ruleId === 'import-x/no-restricted-paths')?.message).toMatch(/never on adapters/);
  });

  it('reports the domain importing shared/config', () => {
    expect(rules(results[1])).toContain('import-x/no-restricted-paths');
  });

  it('reports shipped code importing dev/', () => {
    expect(results[2].find((finding) => finding.ruleId === 'import-x/no-restricted-paths')?.message).toMatch(/never imports dev\//);
  });

  it('reports an import cycle made of type-only imports', () => {
    expect(results[3].find((finding) => finding.ruleId === 'architecture/no-import-cycle')?.message).toBe(
      'Import cycle: shared/alerts/types.ts -> shared/runbook/incident.ts -> shared/alerts/types.ts.',
    );
  });

  it('lets an adapter import the domain', () => {
    expect(rules(results[4])).not.toContain('import-x/no-restricted-paths');
    expect(rules(results[4])).not.toContain('architecture/no-import-cycle');
  });
});
