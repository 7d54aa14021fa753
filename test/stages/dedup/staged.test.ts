/**
 * The staged mode for many machines, every step a separate process as it would be on a cluster:
 * signatures (N = 3), buckets (B = 4, and B = 20 to cut bands into key ranges), clusters, filter
 * (N = 3). The kept and removed files and the cluster report must be byte-identical to a
 * single-process run; every task must be safe to run twice.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { silentLogger } from '../../../src/core/log.js';
import { runBuckets } from '../../../src/stages/dedup/staged/buckets.js';
import { runClusters } from '../../../src/stages/dedup/staged/clusters-step.js';
import YAML from 'yaml';
import { root, runCli, tempDir } from '../../helpers/index.js';
import { edit, planted, writeCorpus } from './corpus.js';

function digests(dir: string, sub: string): Map<string, string> {
  const out = new Map<string, string>();
  const base = path.join(dir, sub);
  if (!fs.existsSync(base)) return out;
  for (const entry of fs.readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(path.relative(base, file), crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  }
  return out;
}

/** The union of the filter tasks' kept/ or removed/ files. */
function filterDigests(shared: string, sub: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const task of fs.readdirSync(path.join(shared, 'filter'))) for (const [k, v] of digests(path.join(shared, 'filter', task), sub)) out.set(k, v);
  return new Map([...out].sort());
}

const ok = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> => {
  const r = await runCli([...args, '--log-format', 'json'], { env });
  assert.equal(r.code, 0, `winnow ${args.join(' ')}\n${r.stderr}`);
  return r.stderr;
};

test('all four stages as separate processes give the single-process output byte for byte', async () => {
  const dir = await tempDir();
  const corpus = planted(80);
  // Near-threshold copies too, so verify and the check have work; six input files, small units.
  const extra = corpus.records.slice(0, 30).map((r, i) => ({ id: `${r.id}-edit`, text: edit(r.text, 0.05 + (i % 4) * 0.02, 500 + i) }));
  const all = [...corpus.records, ...extra];
  const inDir = path.join(dir, 'in');
  for (let k = 0; k < 6; k++) writeCorpus(inDir, `part-${k}.jsonl`, all.filter((_, i) => i % 6 === k));
  const flags = ['--unit-bytes', '4k', '--verify', '--check-one-in', '1', '--keep', 'longest'];

  const single = path.join(dir, 'single');
  await ok(['dedup', '-i', inDir, '-o', single, ...flags]);

  const shared = path.join(dir, 'shared');
  // Task indexes the three ways a cluster passes them.
  await ok(['dedup', 'signatures', '--dir', shared, '--task', '0', '--tasks', '3', '-i', inDir, ...flags]);
  await ok(['dedup', 'signatures', '--dir', shared, '--tasks', '3', '-i', inDir, ...flags], { JOB_COMPLETION_INDEX: '1' });
  await ok(['dedup', 'signatures', '--dir', shared, '--tasks', '3', '-i', inDir, ...flags], { SLURM_ARRAY_TASK_ID: '2' });
  for (let b = 0; b < 4; b++) await ok(['dedup', 'buckets', '--dir', shared, '--task', String(b), '--tasks', '4']);
  await ok(['dedup', 'clusters', '--dir', shared]);
  for (let i = 0; i < 3; i++) await ok(['dedup', 'filter', '--dir', shared, '--task', String(i), '--tasks', '3']);

  assert.deepEqual(filterDigests(shared, 'kept'), digests(single, 'kept'));
  assert.deepEqual(filterDigests(shared, 'removed'), digests(single, 'removed'));
  assert.ok(digests(single, 'removed').size > 0);
  for (const name of ['clusters.jsonl', 'summary.json']) {
    assert.equal(fs.readFileSync(path.join(shared, 'dedup', name), 'utf8'), fs.readFileSync(path.join(single, 'dedup', name), 'utf8'), name);
  }

  // Bucket tasks re-split (20 tasks: bands cut into key ranges) give the same clusters.
  const shared20 = path.join(dir, 'shared20');
  fs.cpSync(shared, shared20, { recursive: true });
  for (const sub of ['buckets', 'dedup', 'decisions', 'filter']) fs.rmSync(path.join(shared20, sub), { recursive: true, force: true });
  fs.rmSync(path.join(shared20, 'clusters.done'));
  // (In process: the step's entry point, to keep the test short.)
  for (let b = 0; b < 20; b++) await runBuckets({ dir: shared20, task: b, tasks: 20, log: silentLogger() });
  await runClusters({ dir: shared20, log: silentLogger() });
  assert.equal(fs.readFileSync(path.join(shared20, 'dedup', 'clusters.jsonl'), 'utf8'), fs.readFileSync(path.join(single, 'dedup', 'clusters.jsonl'), 'utf8'));

  // Every task is idempotent: a second run finds its marker and does nothing.
  const before = digests(shared, '.');
  assert.match(await ok(['dedup', 'signatures', '--dir', shared, '--task', '1', '--tasks', '3', '-i', inDir, ...flags]), /already complete/);
  assert.match(await ok(['dedup', 'buckets', '--dir', shared, '--task', '2', '--tasks', '4']), /already complete/);
  assert.match(await ok(['dedup', 'filter', '--dir', shared, '--task', '0', '--tasks', '3']), /already complete/);
  assert.deepEqual(digests(shared, '.'), before);
});

test('steps out of order, mixed settings and bad task indexes are refused', async () => {
  const dir = await tempDir();
  const input = writeCorpus(dir, 'in.jsonl', planted(10).records);
  const shared = path.join(dir, 'shared');
  const fail = async (args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> => {
    const r = await runCli(args, { env: { JOB_COMPLETION_INDEX: '', SLURM_ARRAY_TASK_ID: '', ...env } });
    assert.equal(r.code, 2, `winnow ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  };
  await fail(['dedup', 'buckets', '--dir', shared, '--task', '0', '--tasks', '1'], /not a staged dedup directory/);
  await fail(['dedup', 'signatures', '--dir', shared, '--task', '3', '--tasks', '3', '-i', input], /--task must be in 0\.\.2/);
  await fail(['dedup', 'signatures', '--dir', shared, '--tasks', '3', '-i', input], /missing --task/);
  await ok(['dedup', 'signatures', '--dir', shared, '--task', '0', '--tasks', '2', '-i', input, '--unit-bytes', '1k']);
  await fail(['dedup', 'buckets', '--dir', shared, '--task', '0', '--tasks', '1'], /signatures are missing/);
  await fail(['dedup', 'signatures', '--dir', shared, '--task', '1', '--tasks', '2', '-i', input, '--unit-bytes', '1k', '--bands', '20'], /different settings.*bands/);
  await fail(['dedup', 'clusters', '--dir', shared], /bucket tasks have not all finished/);
  await fail(['dedup', 'filter', '--dir', shared, '--task', '0', '--tasks', '1'], /clusters step has not finished/);
  await fail(['dedup', 'signatures', '--dir', shared, '--task', '0', '--tasks', '1', '-i', '-'], /needs input files/);
  // Signature files made with other settings than the run's are refused when read.
  await ok(['dedup', 'signatures', '--dir', shared, '--task', '1', '--tasks', '2', '-i', input, '--unit-bytes', '1k']);
  const params = JSON.parse(fs.readFileSync(path.join(shared, 'params.json'), 'utf8'));
  params.compat.seed = 2;
  params.pipeline.stages[0].seed = 2;
  fs.writeFileSync(path.join(shared, 'params.json'), JSON.stringify(params));
  await fail(['dedup', 'buckets', '--dir', shared, '--task', '0', '--tasks', '1'], /signatures were made with different settings \(seed: 1 vs 2\)/);
});

test('the deploy/ manifests run the four steps with task counts that agree', () => {
  const deploy = path.join(root, 'deploy');
  for (const step of ['signatures', 'buckets', 'clusters', 'filter']) {
    const job = YAML.parse(fs.readFileSync(path.join(deploy, 'kubernetes', `dedup-${step}.yaml`), 'utf8')) as {
      kind: string;
      spec: { completionMode?: string; completions: number; template: { spec: { containers: { args: string[] }[] } } };
    };
    assert.equal(job.kind, 'Job');
    const args = job.spec.template.spec.containers[0].args;
    assert.deepEqual(args.slice(0, 2), ['dedup', step]);
    if (step === 'clusters') assert.equal(job.spec.completions, 1);
    else {
      assert.equal(job.spec.completionMode, 'Indexed');
      assert.equal(args[args.indexOf('--tasks') + 1], String(job.spec.completions));
      assert.ok(!args.includes('--task'), 'the index comes from JOB_COMPLETION_INDEX');
    }
    const script = fs.readFileSync(path.join(deploy, 'slurm', `dedup-${step}.sbatch`), 'utf8');
    assert.match(script, new RegExp(`dedup ${step} `));
    const array = /#SBATCH --array=0-(\d+)/.exec(script);
    const tasks = /--tasks (\d+)/.exec(script);
    if (step === 'clusters') assert.equal(array, null);
    else assert.equal(Number(array![1]) + 1, Number(tasks![1]));
  }
});
