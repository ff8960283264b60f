// Import cycles between the project's own modules, type-only imports included. import-x's no-cycle skips
// `import type`, yet a cycle of types still ties two modules' meanings together (issue 10 names two).
// Imports are read with TypeScript's own pre-processor and resolver, so `export ... from`, `import()` and
// `require()` count too; packages are not followed.
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Resolver options per tsconfig.json, and each file's resolved imports keyed by its modification time. */
const optionsByConfig = new Map();
const importsByFile = new Map();

function compilerOptions(file) {
  const configPath = ts.findConfigFile(path.dirname(file), ts.sys.fileExists) ?? '';
  if (!optionsByConfig.has(configPath)) {
    const config = configPath === '' ? { config: {} } : ts.readConfigFile(configPath, ts.sys.readFile);
    optionsByConfig.set(configPath, ts.parseJsonConfigFileContent(config.config ?? {}, ts.sys, path.dirname(configPath)).options);
  }
  return optionsByConfig.get(configPath);
}

/** The project files `text` (the content of `file`) imports, with where each specifier stands. */
function projectImports(file, text) {
  const options = compilerOptions(file);
  const found = [];
  for (const reference of ts.preProcessFile(text, true, true).importedFiles) {
    const resolved = ts.resolveModuleName(reference.fileName, file, options, ts.sys).resolvedModule;
    if (resolved === undefined || resolved.isExternalLibraryImport || resolved.resolvedFileName.includes('/node_modules/')) continue;
    found.push({ target: path.resolve(resolved.resolvedFileName), start: reference.pos, end: reference.end });
  }
  return found;
}

function importsOnDisk(file) {
  let modified;
  try {
    modified = statSync(file).mtimeMs;
  } catch {
    return [];
  }
  const cached = importsByFile.get(file);
  if (cached?.modified === modified) return cached.targets;
  const targets = [...new Set(projectImports(file, readFileSync(file, 'utf8')).map((item) => item.target))];
  importsByFile.set(file, { modified, targets });
  return targets;
}

/** The shortest chain of imports from `start` back to `home`, or undefined. */
function routeBack(start, home) {
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift();
    for (const next of importsOnDisk(file)) {
      if (next === home) {
        const route = [file];
        for (let at = previous.get(file); at !== undefined; at = previous.get(at)) route.unshift(at);
        return route;
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return undefined;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles between project modules, type-only imports included.' },
    schema: [],
    messages: { cycle: 'Import cycle: {{route}}.' },
  },
  create(context) {
    return {
      Program() {
        const home = path.resolve(context.filename);
        const relative = (file) => path.relative(context.cwd, file);
        const reported = new Set();
        for (const item of projectImports(home, context.sourceCode.text)) {
          if (reported.has(item.target)) continue;
          const route = item.target === home ? [] : routeBack(item.target, home);
          if (route === undefined) continue;
          reported.add(item.target);
          context.report({
            loc: { start: context.sourceCode.getLocFromIndex(item.start), end: context.sourceCode.getLocFromIndex(item.end) },
            messageId: 'cycle',
            data: { route: [home, ...route, home].map(relative).join(' -> ') },
          });
        }
      },
    };
  },
};
