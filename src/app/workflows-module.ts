/**
 * @module app/workflows-module
 * Loading an application's workflows module (`--workflows <module>` / WAYMARK_WORKFLOWS): it
 * exports `workflows` and, optionally, `beforeLaunch`, `schedules` (cron schedules besides those
 * declared with their workflows) and `triggers` (event triggers).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WaymarkError, ensureError } from '../errors.js';
import type { WaymarkOptions } from './start-waymark.js';

/** What a workflows module exports. */
export interface WorkflowModule {
  workflows?: WaymarkOptions['workflows'];
  beforeLaunch?: WaymarkOptions['beforeLaunch'];
  schedules?: WaymarkOptions['schedules'];
  triggers?: WaymarkOptions['triggers'];
}

/**
 * Imports the module at `modulePath` (relative to the working directory) and checks its shape;
 * without a path, a module with no workflows.
 *
 * @example
 * ```ts
 * const { workflows, beforeLaunch } = await loadWorkflowsModule('examples/index.ts');
 * ```
 */
export async function loadWorkflowsModule(modulePath: string | undefined): Promise<WorkflowModule> {
  if (!modulePath) return { workflows: [] };
  let mod: WorkflowModule;
  try {
    mod = (await import(pathToFileURL(path.resolve(modulePath)).href)) as WorkflowModule;
  } catch (e) {
    // A decorator compiled as a standard (TC39) decorator fails inside DBOS's legacy one with a
    // TypeError that names nothing of the cause.
    const hint = e instanceof TypeError ? " If it uses decorators (@Waymark.workflow, @DBOS.step), the tsconfig.json covering it must set 'experimentalDecorators': true and include the file." : '';
    throw new WaymarkError('invalid_workflows_module', `Could not load ${modulePath}: ${ensureError(e).message}.${hint}`);
  }
  if (!Array.isArray(mod.workflows)) throw new WaymarkError('invalid_workflows_module', `${modulePath} does not export a 'workflows' array`);
  return mod;
}
