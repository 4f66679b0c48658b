// --config-via files: the configuration tree written under --out-dir for people who push themselves.
import { readFile } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { InternalError, UserError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { decide, emptyResult } from './decide.js';
import type { DeliveryOptions, DeliveryRequest, DeliveryResult } from './types.js';

export async function deliverFiles(
  request: DeliveryRequest,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  if (!options.outDir) {
    throw new UserError(
      '--config-via files needs a directory to write the configuration files to.',
      {
        hint: 'Add --out-dir DIR; the files land in DIR/<project path>/.gitlab/agents/…',
      },
    );
  }
  const root = resolve(options.outDir, request.project);
  const result = emptyResult('files');
  const targets = request.files.map((f) => {
    const target = resolve(root, f.path);
    if (!target.startsWith(root + sep))
      throw new InternalError(`configuration file path "${f.path}" leaves ${root}`);
    return target;
  });
  const current = await Promise.all(
    targets.map(async (target) => {
      try {
        return await readFile(target, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return null;
        throw new UserError(`Cannot read ${target}: ${code ?? (error as Error).message}.`, {
          hint: 'Check the --out-dir directory is readable, or choose another one.',
          cause: error,
        });
      }
    }),
  );
  const decisions = decide(request.files, (path) => {
    const i = request.files.findIndex((f) => f.path === path);
    return current[i] ?? null;
  });
  for (const [i, { file, action }] of decisions.entries()) {
    result.files.push({ path: file.path, action });
    if (action === 'unchanged') continue;
    result.changed = true;
    if (options.dryRun) continue;
    const target = targets[i] as string;
    await writeFileAtomic(target, file.content);
    result.writtenPaths.push(target);
  }
  return result;
}
