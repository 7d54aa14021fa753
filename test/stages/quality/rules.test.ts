/**
 * Every rule of the quality stage, with the smallest text that trips it, through the stage's
 * public entry (its definition's createDoc), plus the cases that must be kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RemoveVerdict } from '../../../src/core/doc.js';
import { QualityConfig } from '../../../src/stages/quality/config.js';
import { GOOD_TEXT, decider, outcome, repeat } from './helpers.js';

const lines = (...ls: string[]): string => ls.join('\n');

test('a plain English document passes every family with the defaults', async () => {
  const decide = await decider({ rules: ['language', 'gopher_repetition', 'gopher_quality', 'c4', 'c4_badwords', 'fineweb'] });
  const v = decide(GOOD_TEXT);
  assert.equal(v.action, 'keep', JSON.stringify(v));
  assert.equal(v.action === 'keep' && v.meta?.language, 'en');
});

test('gopher_quality: each rule with the smallest text that trips it', async () => {
  const decide = await decider({ rules: ['gopher_quality'] });
  const cases: [string, string][] = [
    ['Hello world.', 'too_few_words'],
    [repeat('a b', 40), 'mean_word_length_too_short'],
    [repeat('incomprehensibilities', 60), 'mean_word_length_too_long'],
    [repeat('#news the story', 20), 'too_many_hashes'],
    [repeat('Wait... the story goes', 20), 'too_many_ellipses'],
    [repeat('• members discussed the budgets and libraries', 10, '\n'), 'too_many_bullet_lines'],
    [repeat('- members discussed the budgets and libraries', 10, '\n'), 'too_many_bullet_lines'],
    [repeat('members discussed the budgets and libraries at length during meetings...', 10, '\n'), 'too_many_ellipsis_lines'],
    [repeat('1987 1988 and the of', 15), 'too_few_alphabetic_words'],
    [repeat('Markets rallied strongly today', 15), 'too_few_stop_words'],
  ];
  for (const [text, rule] of cases) assert.equal(outcome(decide(text)), rule, text.slice(0, 60));
  const tooMany = await decider({ rules: ['gopher_quality'], gopher_quality: { max_words: 60 } });
  assert.equal(outcome(tooMany(GOOD_TEXT)), 'too_many_words');
  assert.equal(outcome(decide(GOOD_TEXT)), 'keep');
  // "The" is not "the": stop words are case-sensitive and counted once each.
  assert.equal(outcome(decide(repeat('The cat sat there', 15) + ' the')), 'too_few_stop_words');
  assert.equal(outcome(decide(repeat('The cat sat there', 15) + ' the of')), 'keep');
});

test('gopher_quality: a removal carries the measured value and the broken threshold', async () => {
  const decide = await decider({ rules: ['gopher_quality'] });
  const v = decide('Hello world, this is short.') as RemoveVerdict;
  assert.equal(v.action, 'remove');
  assert.equal(v.rule, 'too_few_words');
  assert.equal(v.value, 5);
  assert.equal(v.threshold, 50);
  assert.equal(v.details?.family, 'gopher_quality');
  const off = await decider({ rules: ['gopher_quality'], gopher_quality: { min_words: null, min_stop_words: null } });
  assert.equal(outcome(off('Hello world this is short')), 'keep');
});

test('gopher_repetition: duplicate paragraphs, lines and n-grams', async () => {
  const decide = await decider({ rules: ['gopher_repetition'] });
  const unique = (i: number): string => `Sentence number ${i} talks about topic ${i * 7} in some detail here.`;
  const long = 'This paragraph is much longer than the others and it is repeated once at the very end of the text.';
  const cases: [string, string, number?][] = [
    [repeat('A short paragraph.', 3, '\n\n'), 'duplicate_paragraphs'],
    [[unique(1), long, unique(2), unique(3), long].join('\n\n'), 'duplicate_paragraph_chars'],
    [lines('line one', 'line one', 'line one', 'other line'), 'duplicate_lines'],
    [lines(unique(1), long, unique(2), unique(3), long), 'duplicate_line_chars'],
    [Array.from({ length: 20 }, (_, i) => `item${i} click here`).join(' '), 'repeated_top_ngram', 2],
  ];
  for (const [text, rule, n] of cases) {
    const v = decide(text);
    assert.equal(outcome(v), rule, text.slice(0, 60));
    if (n !== undefined) assert.equal((v as RemoveVerdict).details?.n, n);
  }
  // A long run of distinct words, then the same run again on the same line: repeated 5-grams.
  const run = Array.from({ length: 40 }, (_, i) => `word${i}x`).join(' ');
  const v = decide(`${run} ${run}`);
  assert.equal(outcome(v), 'repeated_ngrams');
  assert.equal((v as RemoveVerdict).details?.n, 5);
  assert.equal(outcome(decide(GOOD_TEXT)), 'keep');
});

test('c4: line editing, the document rules and the dropped-line counters', async () => {
  const decide = await decider({ rules: ['c4'] });
  const text = lines(
    'Navigation menu',
    'The committee met on Tuesday to review the budget.[1]',
    'Please enable JavaScript to view this page properly.',
    'This site uses cookies to improve your experience.',
    'Members of the public were invited to speak.[citation needed]',
    'Short.',
    'The chair said a revised proposal would follow.',
    `A ${'x'.repeat(1001)} word that is far too long.`,
    'A teacher asked about the reading room.',
    'Officials replied that it depends on funding.',
  );
  const v = decide(text);
  assert.equal(v.action, 'keep', JSON.stringify(v));
  assert.equal(
    v.action === 'keep' && v.text,
    lines(
      'The committee met on Tuesday to review the budget.',
      'Members of the public were invited to speak.',
      'The chair said a revised proposal would follow.',
      'A teacher asked about the reading room.',
      'Officials replied that it depends on funding.',
    ),
  );
  assert.deepEqual(v.counters, {
    c4_lines: 10,
    c4_lines_dropped_no_terminal_punct: 1,
    c4_lines_dropped_javascript: 1,
    c4_lines_dropped_policy: 1,
    c4_lines_dropped_too_few_words: 1,
    c4_lines_dropped_too_long_word: 1,
    c4_lines_kept: 5,
  });
  assert.equal(outcome(decide('Hello world.')), 'too_few_sentences');
  assert.equal(outcome(decide(GOOD_TEXT + '\nLorem ipsum dolor sit amet.')), 'contains_lorem_ipsum');
  assert.equal(outcome(decide(GOOD_TEXT + '\nvar x = { a: 1 } is code.')), 'contains_curly_bracket');
  // A "{" on a line that is dropped anyway does not count (datatrove checks kept lines only).
  assert.equal(outcome(decide(GOOD_TEXT + '\n{ }')), 'keep');
  const fineweb = await decider({ rules: ['c4'], c4: { filter_no_terminal_punct: false } });
  assert.equal(outcome(fineweb(GOOD_TEXT + '\n{ }')), 'keep');
  assert.equal(outcome(fineweb(GOOD_TEXT + '\nthe { brace line')), 'contains_curly_bracket');
  const v2 = fineweb(lines('no punctuation here at all', 'and none here either my friend', 'The end came.', 'Another one ends.', 'One more ends.', 'And the last.'));
  assert.equal(v2.action, 'keep');
});

test('c4: str.splitlines line breaks (\\r, \\u2028, form feed) split lines', async () => {
  const decide = await decider({ rules: ['c4'] });
  const v = decide(['One sentence is here.', 'Two sentences are here.', 'Three are here now.', 'Four are here now.', 'Five are here now.'].join('\r\n\u2028\f'));
  assert.equal(v.action, 'keep');
  assert.equal(v.action === 'keep' && v.text?.split('\n').length, 5);
});

test('c4_badwords: word-bounded in spaced languages, not in Chinese and Japanese', async () => {
  const decide = await decider({ rules: ['c4_badwords'] });
  const v = decide('He called the referee a bastard on live television.') as RemoveVerdict;
  assert.equal(v.rule, 'contains_bad_word');
  assert.deepEqual(v.details, { family: 'c4_badwords', word: 'bastard', language: 'en' });
  // Inside a longer word there is no match.
  assert.equal(outcome(decide('The analysts met the class at Scunthorpe.')), 'keep');
  assert.equal(outcome(decide('Ein Satz auf Deutsch.', { language: 'de' })), 'keep');
  // No list for this language: kept and counted (or an error, if configured).
  const kept = decide('Some words.', { language: 'xx' });
  assert.equal(kept.action, 'keep');
  assert.equal(kept.action === 'keep' && kept.counters?.badwords_missing_language, 1);
  const strict = await decider({ rules: ['c4_badwords'], c4_badwords: { missing_language: 'error' } });
  assert.equal(outcome(strict('Some words.', { language: 'xx' })), 'error');
  // keep_fraction 1 keeps every document with a bad word, deterministically by id.
  const lenient = await decider({ rules: ['c4_badwords'], c4_badwords: { keep_fraction: 1 } });
  assert.equal(outcome(lenient('a bastard')), 'keep');
  // Entries shorter than three units, at the text's ends, multi-word ones, and near misses.
  const word = (text: string, language = 'en'): string | undefined => {
    const r = decide(text, { language });
    return r.action === 'remove' ? (r.details as { word: string }).word : undefined;
  };
  assert.equal(word('xx'), 'xx');
  assert.equal(word('rated xx.'), 'xx');
  assert.equal(word('xxl size'), undefined);
  assert.equal(word('o cu', 'pt'), 'cu');
  assert.equal(word('the bastard'), 'bastard');
  assert.equal(word('bastards'), undefined);
  assert.equal(word('so, 2 girls 1 cup!'), '2 girls 1 cup');
  assert.equal(word('2 girls 1 cupboard'), undefined);
});

test('fineweb: each rule', async () => {
  const decide = await decider({ rules: ['fineweb'] });
  const cases: [string, string][] = [
    [' \n\t\n   ', 'empty_document'],
    [repeat('a line without any final punctuation mark at all', 10, '\n'), 'too_few_punctuated_lines'],
    [Array.from({ length: 10 }, (_, i) => `Short line ${i}.`).join('\n'), 'too_many_short_lines'],
    [lines(GOOD_TEXT, 'The committee met on Tuesday to review the annual budget and the plans for the new library.'), 'too_many_duplicate_line_chars'],
    [Array.from({ length: 10 }, (_, i) => `Extraordinarilymagnificentundertakings${i}.`).join('\n'), 'too_many_newlines'],
  ];
  for (const [text, rule] of cases) assert.equal(outcome(decide(text)), rule, text.slice(0, 60));
  // Sentence terminals of other scripts count as punctuation (datatrove's TERMINAL_PUNCTUATION).
  const zh = Array.from({ length: 5 }, (_, i) => `第${i}个句子很长，用来测试中文的句号是否算作结尾，所以它要写得比三十个字还要更长一些。`);
  assert.equal(outcome(decide(zh.join('\n'), { language: 'zh' })), 'keep');
  assert.equal(outcome(decide(GOOD_TEXT)), 'keep');
});

test('language: fastText lid.176 keeps listed languages and records the guess', async () => {
  const decide = await decider({ rules: ['language'] });
  const en = decide(GOOD_TEXT);
  assert.equal(en.action, 'keep');
  assert.equal(en.action === 'keep' && en.meta?.language, 'en');
  assert.ok(en.action === 'keep' && (en.meta?.language_score as number) > 0.9);
  const de = decide('Der Ausschuss hat am Dienstag den Haushalt geprüft und die Pläne für die neue Bibliothek besprochen.') as RemoveVerdict;
  assert.equal(de.rule, 'wrong_language');
  assert.equal(de.value, 'de');
  assert.deepEqual(de.threshold, ['en']);
  assert.equal(de.meta?.language, 'de');
  const both = await decider({ rules: ['language'], language: { languages: ['de', 'en'] } });
  assert.equal(outcome(both('Der Ausschuss hat am Dienstag den Haushalt geprüft.')), 'keep');
  const strict = await decider({ rules: ['language'], language: { min_score: 0.99999 } });
  const low = strict(GOOD_TEXT) as RemoveVerdict;
  assert.equal(low.rule, 'low_language_score');
  assert.equal(low.threshold, 0.99999);
});

test('families chain: C4 edits the text the next family sees', async () => {
  const text = lines(
    'MENU', 'HOME', 'NEWS', 'SPORT', 'WEATHER', 'CONTACT', 'ABOUT', 'LOGIN', 'SEARCH', 'SHOP', 'JOBS', 'HELP',
    'The committee met on Tuesday to review the annual budget and plans.',
    'Members of the public were invited to speak at the open session.',
    'The chair said that a revised proposal would be published soon.',
    'A teacher asked whether the reading room would stay open later.',
    'Officials replied that longer hours would depend on new funding.',
  );
  const alone = await decider({ rules: ['fineweb'] });
  assert.equal(outcome(alone(text)), 'too_many_short_lines');
  const chained = await decider({ rules: ['c4', 'fineweb'] });
  const v = chained(text);
  assert.equal(v.action, 'keep', JSON.stringify(v));
  assert.ok(v.action === 'keep' && !v.text?.includes('MENU'));
});

test('signals mode measures every family, removes nothing, and leaves the text alone', async () => {
  const decide = await decider({ signals: true, rules: ['language', 'gopher_repetition', 'gopher_quality', 'c4', 'c4_badwords', 'fineweb'] });
  const v = decide('Hello world again.\nnext line');
  assert.equal(v.action, 'keep');
  if (v.action !== 'keep') return;
  assert.equal(v.text, undefined);
  const q = v.meta?.quality as Record<string, Record<string, unknown>> & { failed: string[] };
  assert.deepEqual(Object.keys(q).sort(), ['c4', 'c4_badwords', 'failed', 'fineweb', 'gopher_quality', 'gopher_repetition', 'language']);
  assert.equal(q.gopher_quality.words, 5);
  assert.equal(q.c4.sentences, 1);
  assert.ok(q.failed.includes('too_few_words'));
  assert.ok(q.failed.includes('too_few_sentences'));
  assert.equal(typeof q.fineweb.punct_line_ratio, 'number');
  const good = decide(GOOD_TEXT);
  assert.deepEqual(good.action === 'keep' && (good.meta?.quality as { failed: string[] }).failed, []);
});

test('words of unspaced scripts come from Intl.Segmenter when the language says so', async () => {
  const zh = '委员会周二开会审查年度预算和新图书馆的计划。公众被邀请发言，几位居民对停车问题表示担忧。主席表示，理事会将在月底前公布修订后的提案。';
  const auto = await decider({ rules: ['gopher_quality'], signals: true });
  const spacy = await decider({ rules: ['gopher_quality'], signals: true, word_tokenizer: 'spacy_en' });
  const words = (v: ReturnType<typeof auto>): number => ((v.action === 'keep' && v.meta?.quality) as { gopher_quality: { words: number } }).gopher_quality.words;
  assert.ok(words(auto(zh, { language: 'zh' })) > 20);
  assert.ok(words(spacy(zh, { language: 'zh' })) < 10);
});

test('config: strict keys, unknown families and duplicate families are rejected', () => {
  assert.throws(() => QualityConfig.parse({ kind: 'quality', rules: ['gopher'] }));
  assert.throws(() => QualityConfig.parse({ kind: 'quality', rules: ['c4', 'c4'] }));
  assert.throws(() => QualityConfig.parse({ kind: 'quality', c4: { min_sentence: 3 } }));
  const defaults = QualityConfig.parse({ kind: 'quality' });
  assert.deepEqual(defaults.rules, ['language', 'gopher_repetition', 'gopher_quality', 'c4', 'fineweb']);
  assert.equal(defaults.gopher_quality.min_words, 50);
  assert.equal(defaults.c4.filter_no_terminal_punct, true);
  assert.equal(defaults.fineweb.min_punct_line_ratio, 0.12);
  assert.equal(defaults.language.min_score, 0.65);
});
