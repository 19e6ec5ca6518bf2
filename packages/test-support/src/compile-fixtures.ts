/**
 * Compile decorator fixtures with the TypeScript compiler, once per decorator mode, so the same
 * assertions run against what `tsc` emits for standard decorators and for `experimentalDecorators`.
 * Vitest's own transform never sees decorator syntax: fixtures import only types, take what they use
 * as parameters, and are emitted to a temporary folder as self-contained ES modules.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import ts from 'typescript';

export type DecoratorMode = 'standard' | 'experimental';
export const decoratorModes: readonly DecoratorMode[] = ['standard', 'experimental'];

export interface CompiledFixtures {
  /** The emitted fixture module of each mode, as a file path. */
  readonly files: Readonly<Record<DecoratorMode, string>>;
  /** Remove the temporary folder. */
  remove(): void;
}

/**
 * Type-check every file of each mode's tsconfig (its type tests included: an `@ts-expect-error` that
 * no longer errors fails too) and emit `fixture` with that config. Throws with the diagnostics when
 * a mode does not compile cleanly.
 *
 * @param configs - the tsconfig file of each mode.
 * @param fixture - the fixture's path; it must be one of the configs' files.
 */
export function compileFixtures(
  configs: Readonly<Record<DecoratorMode, string>>,
  fixture: string,
): CompiledFixtures {
  const parsedFiles = new Map<string, ts.SourceFile>();
  const emitted = {} as Record<DecoratorMode, string>;
  for (const mode of decoratorModes) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      configs[mode],
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    if (parsed === undefined) throw new Error(`cannot read ${configs[mode]}`);
    const options: ts.CompilerOptions = {
      ...parsed.options,
      noEmit: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      // emitted to memory (below); the folder is never written
      outDir: join(tmpdir(), 'larder-decorators', mode),
    };
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    // both modes parse the same files (lib, @types, sources): parse each once
    host.getSourceFile = (name, language, onError) => {
      let file = parsedFiles.get(name);
      if (file === undefined) {
        file = read(name, language, onError);
        if (file !== undefined) parsedFiles.set(name, file);
      }
      return file;
    };
    const program = ts.createProgram({ rootNames: parsed.fileNames, options, host });
    const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
    if (diagnostics.length > 0) {
      const text = ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => process.cwd(),
        getNewLine: () => '\n',
      });
      throw new Error(`${mode} decorators: the fixtures do not compile\n${text}`);
    }
    const source = program.getSourceFile(fixture);
    if (source === undefined) throw new Error(`${fixture} is not part of ${configs[mode]}`);
    const result = program.emit(source, (name, text) => {
      if (name.endsWith('.js')) emitted[mode] = text;
    });
    if (result.emitSkipped || emitted[mode] === undefined) {
      throw new Error(`${mode} decorators: ${fixture} was not emitted`);
    }
  }
  // written only once both modes compiled, so a run stopped while type-checking leaves nothing behind
  const dir = mkdtempSync(join(tmpdir(), 'larder-decorators-'));
  const files = {} as Record<DecoratorMode, string>;
  for (const mode of decoratorModes) {
    mkdirSync(join(dir, mode));
    files[mode] = join(dir, mode, basename(fixture).replace(/\.ts$/, '.mjs'));
    writeFileSync(files[mode], emitted[mode]);
  }
  return { files, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
