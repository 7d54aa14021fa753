#!/usr/bin/env node
/** The `winnow` binary: the only place that calls process.exit. */
import { CommanderError } from 'commander';
import { ExitCode, WinnowError } from '../core/errors.js';
import { tuneGarbageCollector } from '../core/gc-tuning.js';
import { buildProgram } from './program.js';

async function main(): Promise<number> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(process.argv);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander already printed its usage message otherwise.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof WinnowError) {
      process.stderr.write(`winnow: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`winnow: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCode.internal;
  }
}

tuneGarbageCollector();
process.exitCode = await main();
