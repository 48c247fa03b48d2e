/**
 * @module http/console-client
 * The typed API client (`src/client/`, the `waymark/client` entry) as browser modules for the
 * console, at `/console/client/waymark-client.js` and `/console/client/api-types.js` (the
 * first imports the second by that relative name). The installed package serves its compiled
 * files from `dist/src/client/`. Run from source (`npm start`, through tsx) there are only the
 * `.ts` files: each is transpiled once, on first request, with esbuild — which tsx brings in a
 * development install and which is not a production dependency. With neither, the console
 * cannot start and the answer says why.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The client's modules, by the name the browser asks for. */
export const CLIENT_MODULES = ['waymark-client.js', 'api-types.js'] as const;
/** One of the client's modules. */
export type ClientModule = (typeof CLIENT_MODULES)[number];

/** The part of esbuild used here (imported by name at run time: it is not a dependency). */
interface Transpiler {
  transform(code: string, opts: { loader: 'ts'; format: 'esm'; target: string; sourcefile: string }): Promise<{ code: string }>;
}

/**
 * The folder of the client's files: `dist/src/client` (compiled) or `src/client` (source),
 * beside this module's own folder.
 *
 * @example
 * ```ts
 * clientDirectory(); // '/app/node_modules/waymark/dist/src/client'
 * ```
 */
export function clientDirectory(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../client');
}

/**
 * Loads the client's modules as browser JavaScript: the compiled `.js` file when there is one,
 * else the `.ts` source transpiled (once; the result is kept).
 *
 * @example
 * ```ts
 * const modules = consoleClientModules();
 * const js = await modules.load('waymark-client.js'); // export class WaymarkClient { ... }
 * ```
 */
export function consoleClientModules(dir: string = clientDirectory(), importTranspiler: () => Promise<Transpiler> = importEsbuild): {
  load(name: ClientModule): Promise<string>;
} {
  const cache = new Map<ClientModule, Promise<string>>();
  const build = async (name: ClientModule): Promise<string> => {
    const compiled = path.join(dir, name);
    // Its source map points at TypeScript the package does not ship: the browser is not sent looking for it.
    if (existsSync(compiled)) return (await readFile(compiled, 'utf8')).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    const source = path.join(dir, name.replace(/\.js$/, '.ts'));
    if (!existsSync(source)) throw new Error(`The console's API client is missing: neither ${compiled} nor ${source} exists`);
    let esbuild: Transpiler;
    try {
      esbuild = await importTranspiler();
    } catch (e) {
      throw new Error(
        `The console's API client ${source} is TypeScript and no transpiler is installed (esbuild, which tsx brings): ` +
          `run from the built package (npm run build), or install the development dependencies (npm install)`,
        { cause: e },
      );
    }
    const out = await esbuild.transform(await readFile(source, 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022', sourcefile: name.replace(/\.js$/, '.ts') });
    return out.code;
  };
  return {
    load(name) {
      let p = cache.get(name);
      if (!p) {
        // A failure is not kept: the next request tries again (after `npm install`, say).
        p = build(name).catch((e: unknown) => {
          cache.delete(name);
          throw e;
        });
        cache.set(name, p);
      }
      return p;
    },
  };
}

async function importEsbuild(): Promise<Transpiler> {
  // A name in a variable: the compiler must not look for a package the build does not need.
  const name = 'esbuild';
  return (await import(name)) as Transpiler;
}
