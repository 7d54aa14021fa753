/**
 * The stage catalog: worker threads load stages one by one from it, the main thread all at once
 * (registry.ts); both must agree, and an unknown kind is a configuration error naming the known ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WinnowError } from '../../src/core/errors.js';
import { loadStage, stageModules } from '../../src/stages/catalog.js';
import { getStage, registry } from '../../src/stages/registry.js';

test('every catalogued stage loads under its own kind, and the registry holds the same ones in order', async () => {
  const kinds = Object.keys(stageModules);
  assert.deepEqual([...registry.keys()], kinds);
  for (const kind of kinds) {
    const def = await loadStage(kind);
    assert.equal(def.name, kind);
    assert.equal(def, getStage(kind), kind);
  }
});

test('an unknown kind is a configuration error that names the known ones', async () => {
  await assert.rejects(loadStage('dedupe'), (error: unknown) => error instanceof WinnowError && error.exitCode === 2 && /unknown stage kind "dedupe"; known: extract, safety, quality, dedup, split, decontaminate/.test(error.message));
  await assert.rejects(loadStage('toString'), /unknown stage kind "toString"/);
  assert.throws(() => getStage('dedupe'), /unknown stage kind "dedupe"/);
});
