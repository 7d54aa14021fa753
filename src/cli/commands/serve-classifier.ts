/**
 * `winnow serve-classifier`: serves the embedded safety model over HTTP (generic protocol) until
 * SIGINT/SIGTERM. Prints the endpoint URL on standard output once it listens.
 */
import { type Command, Option } from 'commander';
import { WinnowError } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { startClassifierServer } from '../../stages/safety/server.js';
import { examplesHelp } from '../stage-command.js';

interface ServeFlags {
  host: string;
  port: string;
  model: string;
  preprocess: 'winnow' | 'raw' | 'lowercase';
  runtime: 'auto' | 'js' | 'wasm';
  threads?: string;
  safeLabel?: string[];
  json?: boolean;
}

export function registerServeClassifier(program: Command): void {
  program
    .command('serve-classifier')
    .description('serve the embedded safety model over HTTP ({"inputs": [...]} → [[{label, score}], ...]) so batch workers can share it')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on; 0 = any free port', '8080')
    .option('--model <path>', 'a fastText .bin/.ftz classifier (default: the bundled model)', 'bundled')
    .addOption(new Option('--preprocess <how>', 'model input: winnow (bundled model), raw or lowercase').choices(['winnow', 'raw', 'lowercase']).default('winnow'))
    .addOption(new Option('--runtime <runtime>', 'model evaluation').choices(['auto', 'js', 'wasm']).default('auto'))
    .option('--threads <n>', 'worker threads running the model (default: one per core)')
    .option('--safe-label <label>', 'model label served as "safe" (repeatable; default: neither)', (v: string, p: string[] = []) => [...p, v])
    .option('--json', 'print {"url": ...} instead of a sentence')
    .addHelpText(
      'after',
      examplesHelp([
        'winnow serve-classifier --port 8080',
        'winnow serve-classifier --port 8080 --threads 3   # leave a core for the pipeline',
        'winnow classify -i corpus.jsonl -o out/safe --url http://127.0.0.1:8080/predict',
        'curl -s localhost:8080/predict -d \'{"inputs": ["have a nice day"]}\'',
      ]),
    )
    .action(async (flags: ServeFlags) => {
      if (!/^\d+$/.test(flags.port) || Number(flags.port) > 65535) throw new WinnowError('usage', `--port expects 0-65535, got "${flags.port}"`);
      if (flags.threads !== undefined && (!/^\d+$/.test(flags.threads) || Number(flags.threads) < 1 || Number(flags.threads) > 256)) {
        throw new WinnowError('usage', `--threads expects 1-256, got "${flags.threads}"`);
      }
      const labels = Object.fromEntries((flags.safeLabel ?? ['neither']).map((l) => [l, 'safe']));
      const log = createLogger({ format: process.stderr.isTTY ? 'pretty' : 'json' });
      let running;
      try {
        running = await startClassifierServer({ model: flags.model, preprocess: flags.preprocess, runtime: flags.runtime, labels, host: flags.host, port: Number(flags.port), log, ...(flags.threads ? { threads: Number(flags.threads) } : {}) });
      } catch (error) {
        throw new WinnowError('usage', `serve-classifier: ${(error as Error).message}`, { cause: error });
      }
      process.stdout.write(flags.json ? JSON.stringify({ url: running.url, threads: running.threads }) + '\n' : `serving ${running.classifier.labels.length}-label model (${running.classifier.runtime}, ${running.threads} thread${running.threads > 1 ? 's' : ''}) at ${running.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await running.close();
    });
}
