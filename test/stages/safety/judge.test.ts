/**
 * The pure decision: label renames, exclusive vs independent scores, per-label limits, rule ids,
 * and paragraph cutting that keeps the text's own separators.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type LabelPolicy, type RawScores, documentVerdict, harmfulScores, judge, labelName } from '../../../src/stages/safety/judge.js';
import { joinKept, paragraphVerdict, splitParagraphs } from '../../../src/stages/safety/paragraphs.js';

const policy: LabelPolicy = { labels: { neither: 'safe' }, harmful: null, combine: 'auto' };
const limits = { maxScore: 0.5, labelMaxScores: {} };
const raw = (pairs: [string, number][], exclusive: boolean | null = true): RawScores => ({ labels: pairs.map((p) => p[0]), scores: pairs.map((p) => p[1]), exclusive });

test('label names: __label__ stripped, snake_case', () => {
  assert.equal(labelName('__label__hate'), 'hate');
  assert.equal(labelName('Death, Harm & Tragedy'), 'death_harm_tragedy');
  assert.equal(labelName('sexual/minors'), 'sexual_minors');
  assert.equal(labelName('!!!'), 'unnamed');
});

test('exclusive labels add up; independent ones take the strongest', () => {
  const three = raw([['__label__hate', 0.3], ['__label__offensive', 0.3], ['__label__neither', 0.4]]);
  assert.equal(harmfulScores(three, policy).score, 0.6);
  const j = judge(three, policy, limits, 'embedded');
  assert.equal(j.flagged, true);
  assert.ok(['hate', 'offensive'].includes(j.label));
  const multi = raw([['violence', 0.3], ['sexual', 0.45]], false);
  assert.equal(harmfulScores(multi, policy).score, 0.45);
  assert.equal(judge(multi, policy, limits, 'http').flagged, false);
  // auto: scores that add up to 1 are exclusive.
  assert.equal(harmfulScores(raw([['toxic', 0.7], ['safe', 0.3]], null), policy).score, 0.7);
  assert.equal(harmfulScores(raw([['toxic', 0.2], ['insult', 0.3]], null), policy).score, 0.3);
});

test('harmful_labels limits which labels count; label limits flag on their own', () => {
  const google = raw([['Toxic', 0.2], ['Finance', 0.99], ['Insult', 0.6]], false);
  const only = { ...policy, harmful: ['toxic', 'insult'] };
  assert.deepEqual(harmfulScores(google, only).scores, { toxic: 0.2, insult: 0.6 });
  const j = judge(google, only, { maxScore: 0.9, labelMaxScores: { Insult: 0.5 } }, 'http');
  assert.deepEqual([j.flagged, j.label, j.value, j.threshold], [true, 'insult', 0.6, 0.5]);
  const v = documentVerdict(j, 'remove');
  assert.equal(v.action, 'remove');
  if (v.action === 'remove') assert.equal(v.rule, 'unsafe_insult');
  assert.equal(documentVerdict(j, 'tag').action, 'keep');
});

test('an empty prediction is safe', () => {
  const j = judge({ labels: ['hate'], scores: [0], exclusive: true, empty: true }, policy, limits, 'embedded');
  assert.deepEqual([j.flagged, j.label, j.score], [false, 'safe', 0]);
});

test('paragraphs: cut at blank lines, separators kept as they were', () => {
  const text = 'one\n\ntwo\n  \n\t\nthree\nstill three\n\n\nfour';
  const p = splitParagraphs(text);
  assert.deepEqual(p.parts, ['one', 'two', 'three\nstill three', 'four']);
  assert.equal(joinKept(p, () => true), text);
  assert.equal(joinKept(p, (i) => i !== 1), 'one\n\nthree\nstill three\n\n\nfour');
  assert.equal(joinKept(p, (i) => i === 3), 'four');
  // Linear on hostile input: many blank-looking lines.
  const hostile = 'a' + '\n \t'.repeat(200_000) + 'b';
  assert.equal(splitParagraphs(hostile).parts.length, 2);
});

test('paragraph verdicts: harmful paragraphs go, all harmful removes the document', () => {
  const p = splitParagraphs('fine\n\nbad\n\nfine again');
  const ok = judge(raw([['offensive', 0.1], ['neither', 0.9]]), policy, limits, 'embedded');
  const bad = judge(raw([['offensive', 0.9], ['neither', 0.1]]), policy, limits, 'embedded');
  const v = paragraphVerdict(p, [ok, bad, ok], 'remove', null, 'embedded');
  assert.equal(v.action, 'keep');
  if (v.action === 'keep') {
    assert.equal(v.text, 'fine\n\nfine again');
    assert.deepEqual(v.counters, { paragraphs_removed: 1 });
  }
  const all = paragraphVerdict(p, [bad, bad, bad], 'remove', null, 'embedded');
  assert.equal(all.action, 'remove');
  const tagged = paragraphVerdict(p, [ok, bad, ok], 'tag', null, 'embedded');
  assert.equal(tagged.action, 'keep');
  if (tagged.action === 'keep') assert.equal(tagged.text, undefined);
});
