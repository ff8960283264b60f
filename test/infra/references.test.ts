// The deployment files name other files of this repository (templates, scripts, parameter files, the
// README's Deploy section): each named file must exist, so a reader following a comment or a step
// never hits "file not found" (issue 10: infra/sentinel/main.bicep named a parameters file that was
// never written).
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const REPO_PATH = /(?<![\w/.-])((?:infra|scripts|test|dev|functions|shared|samples)\/[\w./*-]*\w)/g;

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

/** A path as written, with a `*` glob allowed in its last segment. */
function exists(written: string): boolean {
  const clean = written.replace(/\.$/, '');
  if (!clean.includes('*')) return fs.existsSync(path.join(ROOT, clean));
  const dir = path.dirname(clean);
  const pattern = new RegExp(`^${path.basename(clean).replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
  return fs.existsSync(path.join(ROOT, dir)) && fs.readdirSync(path.join(ROOT, dir)).some((name) => pattern.test(name));
}

describe('files named by the deployment files exist', () => {
  const sources: Array<[string, string]> = [
    ...filesUnder('infra').map((file) => [file, fs.readFileSync(path.join(ROOT, file), 'utf8')] as [string, string]),
    ['azure.yaml', fs.readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8')],
    ['scripts/install-bicep.sh', fs.readFileSync(path.join(ROOT, 'scripts/install-bicep.sh'), 'utf8')],
    ['README.md (Deploy to Azure)', fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n## Deploy to Azure')[1] ?? ''],
  ];

  test.each(sources)('%s', (file, text) => {
    // URLs carry path-like segments of other sites (.../schemas/...); they are not files of this repo.
    const local = text.replace(/https?:\/\/\S+/g, '');
    const missing = [...local.matchAll(REPO_PATH)].map((match) => match[1]).filter((written) => !exists(written));
    expect({ file, missing }).toEqual({ file, missing: [] });
  });
});
