/**
 * spaCy's English tokenizer exceptions (spaCy 3.8, `spacy/lang/tokenizer_exceptions.py` and
 * `spacy/lang/en/tokenizer_exceptions.py`): strings that are split a fixed way ("don't" → "do",
 * "n't") or kept whole ("Mr.", ":)"). Only the split matters for counting words, so each entry
 * maps the string to the pieces it becomes. Generated here from the published rules.
 */

export type Exceptions = Map<string, string[]>;

const title = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const EMOTICONS = String.raw`
:) :-) :)) :-)) :))) :-))) (: (-: =) (= ") :] :-] [: [-: [= =] :o) (o: :} :-} 8) 8-) (-8 ;) ;-) (; (-; :( :-(
:(( :-(( :((( :-((( ): )-: =( >:( :') :'-) :'( :'-( :/ :-/ =/ =| :| :-| ]= =[ :1 :P :-P :p :-p :O :-O :o :-o
:0 :-0 :() >:o :* :-* :3 :-3 =3 :> :-> :X :-X :x :-x :D :-D ;D ;-D =D xD XD xDD XDD 8D 8-D ^_^ ^__^ ^___^
>.< >.> <.< ._. ;_; -_- -__- v.v V.V v_v V_V o_o o_O O_o O_O 0_o o_0 0_0 o.O O.o O.O o.o 0.0 o.0 0.o @_@
<3 <33 <333 </3 (^_^) (-_-) (._.) (>_<) (*_*) (¬_¬) ಠ_ಠ ಠ︵ಠ (ಠ_ಠ) ¯\(ツ)/¯ (╯°□°）╯︵┻━┻ ><(((*>
`;

function baseExceptions(exc: Exceptions): void {
  for (const orth of [' ', '\t', '\\t', '\n', '\\n', '\u2014', '\u00a0']) exc.set(orth, [orth]);
  const singles = ["'", '\\")', '<space>', "''", 'C++'];
  for (const c of 'abcdefghijklmnopqrstuvwxyzäöü') singles.push(`${c}.`);
  for (const orth of singles) exc.set(orth, [orth]);
  for (const orth of EMOTICONS.split(/\s+/).filter(Boolean)) exc.set(orth, [orth]);
}

function englishExceptions(): Exceptions {
  const exc: Exceptions = new Map();
  const both = (word: string): string[] => [word, title(word)];

  for (const orth of both('i')) {
    exc.set(`${orth}'m`, [orth, "'m"]);
    exc.set(`${orth}m`, [orth, 'm']);
    exc.set(`${orth}'ma`, [orth, "'m", 'a']);
    exc.set(`${orth}ma`, [orth, 'm', 'a']);
  }
  for (const pron of ['i', 'you', 'he', 'she', 'it', 'we', 'they']) {
    for (const orth of both(pron)) {
      exc.set(`${orth}'ll`, [orth, "'ll"]);
      exc.set(`${orth}ll`, [orth, 'll']);
      exc.set(`${orth}'ll've`, [orth, "'ll", "'ve"]);
      exc.set(`${orth}llve`, [orth, 'll', 've']);
      exc.set(`${orth}'d`, [orth, "'d"]);
      exc.set(`${orth}d`, [orth, 'd']);
      exc.set(`${orth}'d've`, [orth, "'d", "'ve"]);
      exc.set(`${orth}dve`, [orth, 'd', 've']);
    }
  }
  for (const pron of ['i', 'you', 'we', 'they']) {
    for (const orth of both(pron)) {
      exc.set(`${orth}'ve`, [orth, "'ve"]);
      exc.set(`${orth}ve`, [orth, 've']);
    }
  }
  for (const pron of ['you', 'we', 'they']) {
    for (const orth of both(pron)) {
      exc.set(`${orth}'re`, [orth, "'re"]);
      exc.set(`${orth}re`, [orth, 're']);
    }
  }
  for (const pron of ['he', 'she', 'it']) {
    for (const orth of both(pron)) {
      exc.set(`${orth}'s`, [orth, "'s"]);
      exc.set(`${orth}s`, [orth, 's']);
    }
  }

  // W-words, relative pronouns, prepositions: 'number' says which contractions apply.
  const wWords: [string, 'sing' | 'plur' | null][] = [
    ['who', null], ['what', null], ['when', null], ['where', null], ['why', null], ['how', null], ['there', null],
    ['that', 'sing'], ['this', 'sing'], ['these', 'plur'], ['those', 'plur'],
  ];
  for (const [word, number] of wWords) {
    for (const orth of both(word)) {
      if (number !== 'plur') {
        exc.set(`${orth}'s`, [orth, "'s"]);
        exc.set(`${orth}s`, [orth, 's']);
      }
      exc.set(`${orth}'ll`, [orth, "'ll"]);
      exc.set(`${orth}ll`, [orth, 'll']);
      exc.set(`${orth}'ll've`, [orth, "'ll", "'ve"]);
      exc.set(`${orth}llve`, [orth, 'll', 've']);
      if (number !== 'sing') {
        exc.set(`${orth}'re`, [orth, "'re"]);
        exc.set(`${orth}re`, [orth, 're']);
        exc.set(`${orth}'ve`, [orth, "'ve"]);
        exc.set(`${orth}ve`, [orth, 've']);
      }
      exc.set(`${orth}'d`, [orth, "'d"]);
      exc.set(`${orth}d`, [orth, 'd']);
      exc.set(`${orth}'d've`, [orth, "'d", "'ve"]);
      exc.set(`${orth}dve`, [orth, 'd', 've']);
    }
  }

  for (const verb of ['ca', 'could', 'do', 'does', 'did', 'had', 'may', 'might', 'must', 'need', 'ought', 'sha', 'should', 'wo', 'would']) {
    for (const orth of both(verb)) {
      exc.set(`${orth}n't`, [orth, "n't"]);
      exc.set(`${orth}nt`, [orth, 'nt']);
      exc.set(`${orth}n't've`, [orth, "n't", "'ve"]);
      exc.set(`${orth}ntve`, [orth, 'nt', 've']);
    }
  }
  for (const verb of ['could', 'might', 'must', 'should', 'would']) {
    for (const orth of both(verb)) {
      exc.set(`${orth}'ve`, [orth, "'ve"]);
      exc.set(`${orth}ve`, [orth, 've']);
    }
  }
  for (const verb of ['ai', 'are', 'is', 'was', 'were', 'have', 'has', 'dare']) {
    for (const orth of both(verb)) {
      exc.set(`${orth}n't`, [orth, "n't"]);
      exc.set(`${orth}nt`, [orth, 'nt']);
    }
  }

  // Contractions with a trailing apostrophe, and with a leading one: kept whole.
  for (const word of ['doin', 'goin', 'nothin', 'nuthin', 'ol', 'somethin']) {
    for (const orth of both(word)) {
      exc.set(orth, [orth]);
      exc.set(`${orth}'`, [`${orth}'`]);
    }
  }
  for (const word of ['em', 'll', 'nuff']) {
    exc.set(word, [word]);
    exc.set(`'${word}`, [`'${word}`]);
  }

  for (let h = 1; h <= 12; h++) {
    for (const period of ['a.m.', 'am', 'p.m.', 'pm']) exc.set(`${h}${period}`, [`${h}`, period]);
  }

  const other: [string, string[]][] = [
    ["y'all", ["y'", 'all']], ['yall', ['y', 'all']],
    ["how'd'y", ['how', "'d", "'y"]], ["How'd'y", ['How', "'d", "'y"]],
    ["not've", ['not', "'ve"]], ['notve', ['not', 've']], ["Not've", ['Not', "'ve"]], ['Notve', ['Not', 've']],
    ['cannot', ['can', 'not']], ['Cannot', ['Can', 'not']],
    ['gonna', ['gon', 'na']], ['Gonna', ['Gon', 'na']], ['gotta', ['got', 'ta']], ['Gotta', ['Got', 'ta']],
    ["let's", ['let', "'s"]], ["Let's", ['Let', "'s"]], ["c'mon", ["c'm", 'on']], ["C'mon", ["C'm", 'on']],
  ];
  for (const [key, pieces] of other) exc.set(key, pieces);

  const whole = [
    "'S", "'s", '\u2018S', '\u2018s', 'and/or', 'w/o', "'re", "'Cause", "'cause", "'cos", "'Cos", "'coz", "'Coz", "'cuz",
    "'Cuz", "'bout", "ma'am", "Ma'am", "o'clock", "O'clock", "lovin'", "Lovin'", 'lovin', 'Lovin', "havin'", "Havin'",
    'havin', 'Havin', "doin'", "Doin'", 'doin', 'Doin', "goin'", "Goin'", 'goin', 'Goin', 'Mt.', 'Ak.', 'Ala.', 'Apr.',
    'Ariz.', 'Ark.', 'Aug.', 'Calif.', 'Colo.', 'Conn.', 'Dec.', 'Del.', 'Feb.', 'Fla.', 'Ga.', 'Ia.', 'Id.', 'Ill.',
    'Ind.', 'Jan.', 'Jul.', 'Jun.', 'Kan.', 'Kans.', 'Ky.', 'La.', 'Mar.', 'Mass.', 'Mich.', 'Minn.', 'Miss.', 'N.C.',
    'N.D.', 'N.H.', 'N.J.', 'N.M.', 'N.Y.', 'Neb.', 'Nebr.', 'Nev.', 'Nov.', 'Oct.', 'Okla.', 'Ore.', 'Pa.', 'S.C.',
    'Sep.', 'Sept.', 'Tenn.', 'Va.', 'Wash.', 'Wis.',
    "'d", 'a.m.', 'Adm.', 'Bros.', 'co.', 'Co.', 'Corp.', 'D.C.', 'Dr.', 'e.g.', 'E.g.', 'E.G.', 'Gen.', 'Gov.', 'i.e.',
    'I.e.', 'I.E.', 'Inc.', 'Jr.', 'Ltd.', 'Md.', 'Messrs.', 'Mo.', 'Mont.', 'Mr.', 'Mrs.', 'Ms.', 'p.m.', 'Ph.D.',
    'Prof.', 'Rep.', 'Rev.', 'Sen.', 'St.', 'vs.', 'v.s.',
  ];
  for (const orth of whole) exc.set(orth, [orth]);

  // spaCy drops these because they are also ordinary words ("ill", "well", "shed").
  for (const word of ['Ill', 'ill', 'Its', 'its', 'Hell', 'hell', 'Shell', 'shell', 'Shed', 'shed', 'were', 'Were', 'Well', 'well', 'Whore', 'whore']) {
    exc.delete(word);
  }
  return exc;
}

/** BASE_EXCEPTIONS updated with the English ones (English wins on a clash, as `update_exc` does). */
export function englishTokenizerExceptions(): Exceptions {
  const all: Exceptions = new Map();
  baseExceptions(all);
  for (const [key, pieces] of englishExceptions()) all.set(key, pieces);
  for (const [key, pieces] of all) {
    if (pieces.join('') !== key) throw new Error(`tokenizer exception ${JSON.stringify(key)} does not spell its key`);
  }
  return all;
}
