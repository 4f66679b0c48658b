// The Dockerfile, read as text (no daemon or registry needed): every file it copies from the
// build context exists and is not left out by .dockerignore, and its runtime stage holds what the
// npm package ships (package.json "files"), runs as `node`, and is labelled with this version.
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/paths.js';

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string | undefined;
  from: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages, continuation lines joined and comments dropped. */
function stages(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const result: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [from = '', , name] = args.split(/\s+/);
      result.push({ name, from, instructions: [] });
    } else result.at(-1)!.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return result;
}

interface Copy {
  from: string | undefined;
  sources: string[];
  /** the destination, made absolute against the stage's WORKDIR */
  destination: string;
}

function copies(stage: Stage): Copy[] {
  let workdir = '/';
  const result: Copy[] = [];
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') workdir = posix.resolve(workdir, args);
    if (keyword !== 'COPY') continue;
    const words = args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    const destination = posix.resolve(workdir, paths.at(-1)!);
    result.push({ from, sources: paths.slice(0, -1), destination });
  }
  return result;
}

/** Where a copied source lands in the image: into a directory destination (ending in /) or as it. */
const landing = (copy: Copy, source: string) =>
  copy.sources.length > 1 || copy.destination.endsWith('/')
    ? posix.join(copy.destination, posix.basename(source))
    : copy.destination;

const dockerfile = readFileSync(join(packageRoot, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(packageRoot, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
  bin: Record<string, string>;
};

/** .dockerignore's patterns as used here: a name, or a `*` glob, matched on any path segment. */
const ignored = (path: string) =>
  dockerignore.some((pattern) => {
    const re = new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
    return path
      .split('/')
      .some((segment, i, all) => re.test(segment) || re.test(all.slice(0, i + 1).join('/')));
  });

describe('Dockerfile', () => {
  const all = stages(dockerfile);
  const runtime = all.at(-1)!;
  const build = all.find((s) => s.name === 'build')!;

  it('builds in a named stage and runs from a second one, both on node:20-slim', () => {
    expect(all.map((s) => s.from)).toEqual(['node:20-slim', 'node:20-slim']);
    expect(build).toBeDefined();
    expect(build.instructions).toContainEqual({ keyword: 'RUN', args: 'npm ci' });
    expect(
      build.instructions.some((i) => i.keyword === 'RUN' && i.args.includes('npm run build')),
    ).toBe(true);
    expect(
      runtime.instructions.some((i) => i.keyword === 'RUN' && i.args.includes('npm ci --omit=dev')),
    ).toBe(true);
  });

  it('copies from the build context only files that exist and that .dockerignore keeps', () => {
    const sources = all
      .flatMap(copies)
      .filter((c) => !c.from)
      .flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(5);
    expect(sources.filter((s) => !existsSync(join(packageRoot, s)))).toEqual([]);
    expect(sources.filter(ignored)).toEqual([]);
    expect(
      ignored('node_modules') && ignored('dist') && ignored('.git') && ignored('x-0.1.0.tgz'),
    ).toBe(true);
  });

  it('puts in the runtime stage every path package.json "files" ships, at the same place', () => {
    const workdir = runtime.instructions.find((i) => i.keyword === 'WORKDIR')!.args;
    const buildWorkdir = build.instructions.find((i) => i.keyword === 'WORKDIR')!.args;
    // what lands where in the runtime image, as a path relative to the package's directory
    const landed = copies(runtime).flatMap((copy) =>
      copy.sources.map((source) => {
        const from = copy.from ? posix.relative(buildWorkdir, source) : source;
        return { from, to: posix.relative(workdir, landing(copy, source)) };
      }),
    );
    const shipped = pkg.files.filter((f) => !f.startsWith('!'));
    const missing = shipped.filter((f) => !landed.some((l) => l.from === f && l.to === f));
    expect(missing).toEqual([]);
    expect(landed.map((l) => l.to)).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json']),
    );
  });

  it('leaves out what package.json "files" excludes', () => {
    const excluded = pkg.files.filter((f) => f.startsWith('!')).map((f) => f.slice(1));
    expect(excluded.length).toBeGreaterThan(0);
    for (const path of excluded)
      expect(
        build.instructions.some((i) => i.keyword === 'RUN' && i.args.includes(`rm -rf ${path}`)),
        path,
      ).toBe(true);
  });

  it('runs the package bin as the unprivileged user node', () => {
    const [[name, bin]] = Object.entries(pkg.bin) as [[string, string]];
    const instructions = runtime.instructions;
    expect(instructions.filter((i) => i.keyword === 'USER').at(-1)?.args).toBe('node');
    expect(instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args).toBe(JSON.stringify([name]));
    const workdir = instructions.find((i) => i.keyword === 'WORKDIR')!.args;
    expect(instructions).toContainEqual({
      keyword: 'RUN',
      args: `ln -s ${posix.join(workdir, bin)} /usr/local/bin/${name}`,
    });
  });

  it("labels the image with the version, a build argument defaulting to package.json's", () => {
    expect(runtime.instructions).toContainEqual({ keyword: 'ARG', args: `VERSION=${pkg.version}` });
    const label = runtime.instructions.find((i) => i.keyword === 'LABEL')!.args;
    expect(label).toContain('org.opencontainers.image.version="${VERSION}"');
  });
});
