import { type Command, Option } from 'commander';
import { WinnowError } from '../../core/errors.js';
import type { StageCommandSpec } from '../stage-command.js';
import { registerSafetyCommands } from './safety.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function probability(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !(n >= 0 && n <= 1)) throw new WinnowError('usage', `${flag} expects a probability from 0 to 1, got "${v}"`);
    return n;
  };
}

function count(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new WinnowError('usage', `${flag} expects a whole number, got "${v}"`);
    return Number(v);
  };
}

/**
 * `winnow classify`: the safety stage alone. Its spec also carries `register`, which adds the
 * safety commands that are not one-stage runs (`safety train`, `serve-classifier`).
 */
export const classifyCommand: StageCommandSpec = {
  command: 'classify',
  summary: 'safe-search classifier: score documents with the embedded fastText model (or an HTTP classifier service) after URL blocklists; remove or tag harmful ones',
  examples: [
    'winnow classify -i corpus.jsonl.zst -o out/safe',
    'winnow classify -i corpus.jsonl -o - --action tag > tagged.jsonl',
    'winnow classify -i corpus.jsonl -o out/safe --blocklist ut1/adult --blocklist my-domains.txt',
    'winnow classify -i corpus.jsonl -o out/safe --granularity paragraph --max-score 0.8',
    'winnow classify -i corpus.jsonl -o out/safe --url http://127.0.0.1:8080/predict --concurrency 8',
    'OPENAI_API_KEY=... winnow classify -i corpus.jsonl -o out/safe --url https://api.openai.com/v1/moderations --protocol openai --api-key-env OPENAI_API_KEY --on-error keep',
  ],
  configure: (cmd) =>
    cmd
      .addOption(new Option('--action <action>', 'remove harmful documents, or only tag them in meta.safety (default: remove)').choices(['remove', 'tag']))
      .addOption(new Option('--backend <backend>', 'embedded fastText model, or an HTTP service (default: embedded; http when --url is given)').choices(['embedded', 'http']))
      .addOption(new Option('--granularity <unit>', 'classify whole documents, or paragraphs and remove only the harmful ones (default: document)').choices(['document', 'paragraph']))
      .option('--max-score <p>', 'harmful probability above which a text is removed (default: 0.5)', probability('--max-score'))
      .option('--blocklist <path>', 'UT1 category directory or plain domain/URL list; matches are removed first (repeatable)', collect)
      .option('--no-url-model', 'do not run the bundled URL model on document URLs')
      .addOption(new Option('--on-error <policy>', 'when the classifier fails for good: fail (exit 4), keep (meta.safety.error), quarantine (errors/) (default: quarantine)').choices(['fail', 'keep', 'quarantine']))
      .option('--model <path>', 'embedded backend: a fastText .bin/.ftz classifier (default: the bundled model)')
      .addOption(new Option('--preprocess <how>', 'embedded backend: model input (default: winnow; raw for models of other toolkits)').choices(['winnow', 'raw', 'lowercase']))
      .option('--url <endpoint>', 'http backend: classifier endpoint, e.g. http://127.0.0.1:8080/predict')
      .addOption(new Option('--protocol <protocol>', 'http backend: wire format (default: generic)').choices(['generic', 'openai', 'google']))
      .option('--api-key-env <name>', 'http backend: environment variable holding the API key')
      .option('--service-model <name>', 'http backend: model field of OpenAI requests')
      .option('--http-batch-size <n>', 'http backend: most texts per request, filled from every waiting batch (default: 2048; openai 32, google 1)', count('--http-batch-size'))
      .option('--concurrency <n>', 'http backend: requests in flight (default: 4)', count('--concurrency'))
      .option('--timeout-ms <n>', 'http backend: per-request timeout (default: 30000)', count('--timeout-ms'))
      .option('--retries <n>', 'http backend: retries per request (default: 5)', count('--retries')),
  stages: (flags) => {
    const backend = (flags.backend as string | undefined) ?? (flags.url ? 'http' : undefined);
    const put = (key: string, value: unknown): Record<string, unknown> => (value === undefined ? {} : { [key]: value });
    const http =
      backend === 'http'
        ? {
            ...put('url', flags.url),
            ...put('protocol', flags.protocol),
            ...put('api_key_env', flags.apiKeyEnv),
            ...put('model', flags.serviceModel),
            ...put('batch_size', flags.httpBatchSize),
            ...put('concurrency', flags.concurrency),
            ...put('timeout_ms', flags.timeoutMs),
            ...put('max_retries', flags.retries),
          }
        : undefined;
    if (backend === 'http' && !flags.url) throw new WinnowError('usage', 'the http backend needs --url <endpoint>');
    const embedded = { ...put('model', flags.model), ...put('preprocess', flags.preprocess) };
    return [
      {
        kind: 'safety',
        ...put('backend', backend),
        ...put('action', flags.action),
        ...put('granularity', flags.granularity),
        ...put('max_score', flags.maxScore),
        ...put('blocklists', flags.blocklist),
        ...(flags.urlModel === false ? { url_model: null } : {}),
        ...put('on_error', flags.onError),
        ...(Object.keys(embedded).length ? { embedded } : {}),
        ...put('http', http),
      },
    ];
  },
  register: registerSafetyCommands,
};
