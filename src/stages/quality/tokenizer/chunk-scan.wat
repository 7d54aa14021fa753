;; The token stream's main loop (spacy-english.ts, SpacyEnglishTokenizer.tokenize) in WebAssembly,
;; writing straight into a token buffer's arrays in this module's memory: whitespace runs (their
;; `\n`s recorded, other line breaks noted), whitespace-free chunks (recorded), and the tokens of
;; the chunks that need no rule: ASCII digits only, or ASCII letters only when no tokenizer
;; exception can match (the exceptions' hashes). Each token's hash is the same `spanHash`
;; (seeded FNV-1a over units, the length folded in) and its flags the same as JavaScript gives.
;;
;; Other chunks with one possible outcome of spaCy's rules are tokenized here too, when the chunk
;; (and, for `$shapes`, every run of its tokens) cannot be an exception: digits with single '.' or
;; ',' between them ("1.5", "1,250,000": one token, as no rule splits them), and in `$shapes`
;; words with commas, periods, quotes or brackets around them ("said.", "(Reuters)"), with 's, or
;; two words with a hyphen between them. Together they were 95 % of the chunks that came back to
;; JavaScript on Reuters (63,000 a pass over Reuters in a warm process; now 3,400).
;;
;; Any other chunk gets its tokens from the chunk cache when it is there (chunk-cache.ts, read in
;; place: 2^14 records of 100 bytes, the slot the hash's low bits; its units from byte 4, its
;; tokens from byte 52, two int32s each). Otherwise it stops `run`, which returns 1 with the chunk
;; in the state (kind 1: letters with an exception's hash, kind 2: anything else); JavaScript
;; tokenizes it into the same arrays (and caches it) and calls `run` again, which goes on after
;; the chunk. `run` returns 0 when the text is done.
;;
;; Layout (byte offsets, set by `init`): scan (a byte per UTF-16 unit: 1 Python whitespace, 2 ASCII
;; letter, 4 ASCII digit, 8 line break, 16 ASCII digit, '.' or ','), bits (8 KB: the exceptions'
;; hash bits), exact (their hashes, see `$exception`), marks (below), state (int32s below), the
;; chunk cache, text (UTF-16 units, then a space), and per token buffer (at `region`, for up to
;; `cap` units of text): starts, ends, hashes, lengths, chunk starts, chunk ends, newlines, and per
;; newline the tokens and the chunks before it (int32 x cap each), then whitespace-before and flags
;; (a byte x cap each).
;; State: 0 text length, 1 position, 2 whitespace before the next token, 3 tokens, 4 chunks,
;; 5 newlines, 6 other line breaks seen, 7 phase (0 start, 1 at a chunk, 2 after a chunk),
;; 8-11 the stopped chunk's kind, start, end and hash, 12 the token buffer's region, 15 the
;; longest chunk's length. Marks (set once): byte c, the flags of the one-unit token c (c < 128);
;; bytes 128 and 129, of "'s" and "'S".
;; Regenerate chunk-scan-kernel.ts with `npm run build:wasm` (needs wat2wasm from Debian's wabt).
(module
  (memory (export "memory") 1)
  (global $scan (mut i32) (i32.const 0))
  (global $bits (mut i32) (i32.const 0))
  (global $state (mut i32) (i32.const 0))
  (global $text (mut i32) (i32.const 0))
  (global $cap (mut i32) (i32.const 0))
  (global $seed (mut i32) (i32.const 0))
  (global $cache (mut i32) (i32.const 0))
  (global $exact (mut i32) (i32.const 0))
  (global $exactMask (mut i32) (i32.const 0))
  (global $marks (mut i32) (i32.const 0))

  (func (export "init") (param $s i32) (param $b i32) (param $st i32) (param $t i32) (param $c i32) (param $seed i32) (param $cc i32) (param $ex i32) (param $exMask i32) (param $mk i32)
    (global.set $scan (local.get $s))
    (global.set $bits (local.get $b))
    (global.set $state (local.get $st))
    (global.set $text (local.get $t))
    (global.set $cap (local.get $c))
    (global.set $seed (local.get $seed))
    (global.set $cache (local.get $cc))
    (global.set $exact (local.get $ex))
    (global.set $exactMask (local.get $exMask))
    (global.set $marks (local.get $mk)))

  ;; Whether some exception's hash is `h` exactly (the table of [hash, 1] pairs at `exact`, see
  ;; StringTable.hashSlots): asked only when its bit is set, which a frequent word can share with
  ;; an exception ("to" and "said" did under some seeds, sending 65,000 chunks a pass to JavaScript).
  (func $exception (param $h i32) (result i32)
    (local $slot i32) (local $at i32)
    (local.set $slot (i32.and (local.get $h) (global.get $exactMask)))
    (loop $probe
      (local.set $at (i32.add (global.get $exact) (i32.shl (local.get $slot) (i32.const 3))))
      (if (i32.eqz (i32.load offset=4 (local.get $at))) (then (return (i32.const 0))))
      (if (i32.eq (i32.load (local.get $at)) (local.get $h)) (then (return (i32.const 1))))
      (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $exactMask)))
      (br $probe))
    (unreachable))

  ;; Whether some exception has the hash `h`: its bit, then the hashes. (The loop in `run` tests
  ;; the bit itself before calling $exception: that test is made for every letters chunk.)
  (func $isException (param $h i32) (result i32)
    (if (result i32) (i32.and (i32.load8_u (i32.add (global.get $bits) (i32.and (i32.shr_u (local.get $h) (i32.const 3)) (i32.const 8191))))
                              (i32.shl (i32.const 1) (i32.and (local.get $h) (i32.const 7))))
      (then (call $exception (local.get $h)))
      (else (i32.const 0))))

  ;; span-hash.ts spanHash of text[start, end) (start < end).
  (func $hashOf (param $start i32) (param $end i32) (result i32)
    (local $h i32) (local $i i32)
    (local.set $h (global.get $seed))
    (local.set $i (local.get $start))
    (loop $units
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $i) (i32.const 1)))))
                             (i32.const 0x01000193)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $units (i32.lt_u (local.get $i) (local.get $end))))
    (call $finish (local.get $h) (i32.sub (local.get $end) (local.get $start))))

  ;; span-hash.ts finishHash.
  (func $finish (param $h i32) (param $n i32) (result i32)
    (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $n)) (i32.const 0x85ebca6b)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 15))))

  ;; Whether units [start, end) are all ASCII letters (kind 2) or all ASCII digits (kind 4).
  (func $allOf (param $start i32) (param $end i32) (param $kind i32) (result i32)
    (block $no
      (loop $units
        (if (i32.ge_u (local.get $start) (local.get $end)) (then (return (i32.const 1))))
        (br_if $no (i32.eqz (i32.and (i32.load8_u (i32.add (global.get $scan)
          (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $start) (i32.const 1)))))) (local.get $kind))))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (br $units)))
    (i32.const 0))

;; Chunks with one possible outcome of spaCy's rules, tokenized here (chunks of at most 24 units
  ;; with a word W of ASCII letters only or digits only):
  ;;   [P] W [S1 [S2]]  P one of " ' ( (a prefix), S1 one of , . " ' ) and S2 one of " ' )
  ;;                    (suffixes; a '.' only where the suffix rule splits it: after a lowercase
  ;;                    letter, a digit or two capitals), at least one of them: each mark a token;
  ;;   [P] W 's         "company's": the suffix 's (or 'S);
  ;;   W1 - W2          "year-ago": the hyphen infix (W2 letters), three tokens.
  ;; Only when no run of those tokens but a lone mark can be an exception (its hash): that covers
  ;; every string the rules look up and every run the exception matcher could join back. Writes
  ;; the tokens from `count` on and returns how many, or 0 (the chunk goes on to the cache or to
  ;; JavaScript). Token k is text[$bound(k), $bound(k + 1)).
  (func $shapes (param $start i32) (param $end i32) (param $ws i32) (param $region i32) (param $quarter i32) (param $count i32) (result i32)
    (local $p i32) (local $w i32) (local $kind i32) (local $c i32) (local $rest i32)
    (local $i i32) (local $j i32) (local $s i32) (local $e i32) (local $at i32) (local $wordAt i32) (local $hyphen i32) (local $n i32)
    (if (i32.gt_u (i32.sub (local.get $end) (local.get $start)) (i32.const 24)) (then (return (i32.const 0))))
    (local.set $p (local.get $start))
    (local.set $c (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $p) (i32.const 1)))))
    ;; " ' (
    (if (i32.or (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 39))) (i32.eq (local.get $c) (i32.const 40)))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    ;; The word: letters or digits, one kind.
    (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const 0))))
    (local.set $kind (i32.and (i32.load8_u (i32.add (global.get $scan)
      (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $p) (i32.const 1)))))) (i32.const 6)))
    (if (i32.eqz (local.get $kind)) (then (return (i32.const 0))))
    (local.set $w (local.get $p))
    (block $word_end
      (loop $word
        (br_if $word_end (i32.ge_u (local.get $w) (local.get $end)))
        (br_if $word_end (i32.eqz (i32.and (i32.load8_u (i32.add (global.get $scan)
          (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $w) (i32.const 1)))))) (local.get $kind))))
        (local.set $w (i32.add (local.get $w) (i32.const 1)))
        (br $word)))
    (local.set $rest (i32.sub (local.get $end) (local.get $w)))
    ;; The word is token 1 after a prefix, else token 0.
    (local.set $wordAt (i32.gt_u (local.get $p) (local.get $start)))
    (local.set $n (i32.add (local.get $wordAt) (i32.const 1)))
    (block $parsed
      (block $fail
        (br_if $fail (i32.and (i32.eqz (local.get $rest)) (i32.eqz (local.get $wordAt))))
        (br_if $parsed (i32.eqz (local.get $rest)))
        (local.set $c (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $w) (i32.const 1)))))
        ;; 's or 'S.
        (if (i32.and (i32.and (i32.eq (local.get $rest) (i32.const 2)) (i32.eq (local.get $c) (i32.const 39)))
                     (i32.eq (i32.or (i32.load16_u offset=2 (i32.add (global.get $text) (i32.shl (local.get $w) (i32.const 1)))) (i32.const 32)) (i32.const 115)))
          (then (local.set $n (i32.add (local.get $n) (i32.const 1))) (br $parsed)))
        ;; - W2 (letters), without a prefix.
        (if (i32.and (i32.eq (local.get $c) (i32.const 45)) (i32.eqz (local.get $wordAt)))
          (then
            (br_if $fail (i32.lt_u (local.get $rest) (i32.const 2)))
            (br_if $fail (i32.eqz (call $allOf (i32.add (local.get $w) (i32.const 1)) (local.get $end) (i32.const 2))))
            (local.set $n (i32.const 3))
            (local.set $hyphen (i32.const 1))
            (br $parsed)))
        ;; S1 [S2].
        (br_if $fail (i32.gt_u (local.get $rest) (i32.const 2)))
        (if (i32.eq (local.get $c) (i32.const 46))
          (then
            ;; '.': after a lowercase letter or a digit, or two capitals.
            (local.set $i (i32.load16_u (i32.add (global.get $text) (i32.shl (i32.sub (local.get $w) (i32.const 1)) (i32.const 1)))))
            (br_if $fail (i32.eqz (i32.or (i32.or (i32.ge_u (local.get $i) (i32.const 97)) (i32.eq (local.get $kind) (i32.const 4)))
              (i32.and (i32.ge_u (i32.sub (local.get $w) (local.get $p)) (i32.const 2))
                       (i32.lt_u (i32.load16_u (i32.add (global.get $text) (i32.shl (i32.sub (local.get $w) (i32.const 2)) (i32.const 1)))) (i32.const 97)))))))
          (else
            ;; , " ' )
            (br_if $fail (i32.eqz (i32.or (i32.or (i32.eq (local.get $c) (i32.const 44)) (i32.eq (local.get $c) (i32.const 34)))
                                          (i32.or (i32.eq (local.get $c) (i32.const 39)) (i32.eq (local.get $c) (i32.const 41))))))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $parsed (i32.eq (local.get $rest) (i32.const 1)))
        (local.set $c (i32.load16_u offset=2 (i32.add (global.get $text) (i32.shl (local.get $w) (i32.const 1)))))
        (br_if $fail (i32.eqz (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.or (i32.eq (local.get $c) (i32.const 39)) (i32.eq (local.get $c) (i32.const 41))))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $parsed))
      (return (i32.const 0)))
    ;; Every run of tokens but a lone mark: not an exception.
    (local.set $i (i32.const 0))
    (loop $from
      (local.set $j (i32.add (local.get $i) (i32.const 1)))
      (loop $to
        (if (i32.or (i32.gt_u (i32.sub (local.get $j) (local.get $i)) (i32.const 1)) (i32.eq (local.get $i) (local.get $wordAt)))
          (then
            (if (call $isException (call $hashOf
                  (call $bound (local.get $i) (local.get $start) (local.get $p) (local.get $w) (local.get $end) (local.get $wordAt) (local.get $n))
                  (call $bound (local.get $j) (local.get $start) (local.get $p) (local.get $w) (local.get $end) (local.get $wordAt) (local.get $n))))
              (then (return (i32.const 0))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $to (i32.le_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $from (i32.lt_u (local.get $i) (local.get $n))))
    ;; The tokens.
    (local.set $i (i32.const 0))
    (loop $tokens
      (local.set $s (call $bound (local.get $i) (local.get $start) (local.get $p) (local.get $w) (local.get $end) (local.get $wordAt) (local.get $n)))
      (local.set $e (call $bound (i32.add (local.get $i) (i32.const 1)) (local.get $start) (local.get $p) (local.get $w) (local.get $end) (local.get $wordAt) (local.get $n)))
      (local.set $at (i32.add (local.get $region) (i32.shl (i32.add (local.get $count) (local.get $i)) (i32.const 2))))
      (i32.store (local.get $at) (local.get $s))
      (i32.store (i32.add (local.get $at) (local.get $quarter)) (local.get $e))
      (i32.store (i32.add (local.get $at) (i32.shl (local.get $quarter) (i32.const 1))) (call $hashOf (local.get $s) (local.get $e)))
      (i32.store (i32.add (local.get $at) (i32.mul (local.get $quarter) (i32.const 3))) (i32.sub (local.get $e) (local.get $s)))
      (local.set $at (i32.add (i32.add (local.get $region) (i32.mul (local.get $quarter) (i32.const 9))) (i32.add (local.get $count) (local.get $i))))
      (i32.store8 (local.get $at) (select (local.get $ws) (i32.const 0) (i32.eqz (local.get $i))))
      ;; Flags: a word's by its kind (the hyphen's second word: letters); 's or 'S and a one-unit
      ;; mark's from the table.
      (local.set $c (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $s) (i32.const 1)))))
      (i32.store8 (i32.add (local.get $at) (global.get $cap))
        (if (result i32) (i32.eq (local.get $i) (local.get $wordAt))
          (then (select (i32.const 1) (i32.const 3) (i32.eq (local.get $kind) (i32.const 4))))
          (else
            (if (result i32) (i32.and (local.get $hyphen) (i32.eq (local.get $i) (i32.const 2)))
              (then (i32.const 3))
              (else
                (if (result i32) (i32.eq (i32.sub (local.get $e) (local.get $s)) (i32.const 2))
                  (then (i32.load8_u (i32.add (global.get $marks)
                    (select (i32.const 128) (i32.const 129) (i32.eq (i32.load16_u offset=2 (i32.add (global.get $text) (i32.shl (local.get $s) (i32.const 1)))) (i32.const 115))))))
                  (else (i32.load8_u (i32.add (global.get $marks) (local.get $c))))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $tokens (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $n))

  ;; Where token k of $shapes starts (k = n: the chunk's end): the chunk's start, the word's (after
  ;; a prefix), then the word's end and one unit per mark ('s and the hyphen's second word run to
  ;; the end).
  (func $bound (param $k i32) (param $start i32) (param $p i32) (param $w i32) (param $end i32) (param $wordAt i32) (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $k)) (then (local.get $start))
      (else (if (result i32) (i32.eq (local.get $k) (local.get $n)) (then (local.get $end))
        (else (if (result i32) (i32.le_u (local.get $k) (local.get $wordAt)) (then (local.get $p))
          (else (i32.add (local.get $w) (i32.sub (i32.sub (local.get $k) (local.get $wordAt)) (i32.const 1))))))))))

  (func (export "run") (result i32)
    (local $len i32) (local $pos i32) (local $ws i32) (local $count i32) (local $chunks i32)
    (local $newlines i32) (local $other i32) (local $phase i32) (local $region i32) (local $quarter i32)
    (local $c i32) (local $f i32) (local $kinds i32) (local $h i32) (local $start i32) (local $run i32)
    (local $n i32) (local $hash i32) (local $flags i32) (local $stop i32) (local $at i32)
    (local $rec i32) (local $k i32) (local $m i32) (local $t i32) (local $same i32) (local $tp i32) (local $rp i32) (local $i i32)
    (local $ok i32) (local $longest i32) (local $kprev i32) (local $hprev i32)
    (local.set $len (i32.load offset=0 (global.get $state)))
    (local.set $pos (i32.load offset=4 (global.get $state)))
    (local.set $ws (i32.load offset=8 (global.get $state)))
    (local.set $count (i32.load offset=12 (global.get $state)))
    (local.set $chunks (i32.load offset=16 (global.get $state)))
    (local.set $newlines (i32.load offset=20 (global.get $state)))
    (local.set $other (i32.load offset=24 (global.get $state)))
    (local.set $phase (i32.load offset=28 (global.get $state)))
    (local.set $region (i32.load offset=48 (global.get $state)))
    (local.set $longest (i32.load offset=60 (global.get $state)))
    ;; Bytes of one int32 array of the region.
    (local.set $quarter (i32.shl (global.get $cap) (i32.const 2)))
    (block $done
      (loop $main
        ;; A whitespace run: at the start (any run sets the flag), or after a chunk (a single
        ;; space does not: it is the previous token's trailing space).
        (if (i32.ne (local.get $phase) (i32.const 1))
          (then
            (br_if $done (i32.ge_u (local.get $pos) (local.get $len)))
            (local.set $run (local.get $pos))
            (block $end_space
              (loop $space
                (br_if $end_space (i32.ge_u (local.get $pos) (local.get $len)))
                (local.set $c (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $pos) (i32.const 1)))))
                (local.set $f (i32.load8_u (i32.add (global.get $scan) (local.get $c))))
                (br_if $end_space (i32.eqz (i32.and (local.get $f) (i32.const 1))))
                (if (i32.and (local.get $f) (i32.const 8))
                  (then
                    (if (i32.eq (local.get $c) (i32.const 10))
                      (then
                        (local.set $at (i32.add (i32.add (local.get $region) (i32.mul (local.get $quarter) (i32.const 6)))
                                                (i32.shl (local.get $newlines) (i32.const 2))))
                        (i32.store (local.get $at) (local.get $pos))
                        ;; The tokens and chunks before it.
                        (i32.store (i32.add (local.get $at) (local.get $quarter)) (local.get $count))
                        (i32.store (i32.add (local.get $at) (i32.shl (local.get $quarter) (i32.const 1))) (local.get $chunks))
                        (local.set $newlines (i32.add (local.get $newlines) (i32.const 1))))
                      (else (local.set $other (i32.const 1))))))
                (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
                (br $space)))
            (if (i32.eqz (local.get $phase))
              (then (local.set $ws (i32.gt_u (local.get $pos) (local.get $run))))
              (else
                (local.set $ws (i32.or (i32.gt_u (i32.sub (local.get $pos) (local.get $run)) (i32.const 1))
                                       (i32.ne (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $run) (i32.const 1)))) (i32.const 32))))))
            (local.set $phase (i32.const 1))))
        (br_if $done (i32.ge_u (local.get $pos) (local.get $len)))
        ;; A chunk: its end, whether it is all letters or all digits, and its hash.
        (local.set $start (local.get $pos))
        (local.set $kinds (i32.const 22))
        (local.set $h (global.get $seed))
        (block $end_chunk
          (loop $chunk
            ;; (No bounds check: the text is followed by a space, see SpacyEnglishTokenizer.placeText.)
            (local.set $c (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $pos) (i32.const 1)))))
            (local.set $f (i32.load8_u (i32.add (global.get $scan) (local.get $c))))
            (br_if $end_chunk (i32.and (local.get $f) (i32.const 1)))
            ;; Kinds and hash before the last unit too (the word of "said.", below).
            (local.set $kprev (local.get $kinds))
            (local.set $hprev (local.get $h))
            (local.set $kinds (i32.and (local.get $kinds) (local.get $f)))
            (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $c)) (i32.const 0x01000193)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $chunk)))
        (local.set $at (i32.add (i32.add (local.get $region) (i32.shl (local.get $quarter) (i32.const 2))) (i32.shl (local.get $chunks) (i32.const 2))))
        (i32.store (local.get $at) (local.get $start))
        (i32.store (i32.add (local.get $at) (local.get $quarter)) (local.get $pos))
        (local.set $chunks (i32.add (local.get $chunks) (i32.const 1)))
        (local.set $n (i32.sub (local.get $pos) (local.get $start)))
        (local.set $longest (select (local.get $n) (local.get $longest) (i32.gt_u (local.get $n) (local.get $longest))))
        ;; finishHash(h, n)
        (local.set $hash (i32.mul (i32.xor (local.get $h) (local.get $n)) (i32.const 0x85ebca6b)))
        (local.set $hash (i32.xor (local.get $hash) (i32.shr_u (local.get $hash) (i32.const 15))))
        (local.set $phase (i32.const 2))
        ;; Digits: a word (TOKEN_WORD). Letters: also alphabetic (TOKEN_ALPHA), unless an exception may match.
        (local.set $flags (i32.const 0))
        (block $emit
        (if (i32.and (local.get $kinds) (i32.const 4))
          (then (local.set $flags (i32.const 1)))
          (else
            (if (i32.and (local.get $kinds) (i32.const 2))
              (then
                (if (if (result i32) (i32.and (i32.load8_u (i32.add (global.get $bits) (i32.and (i32.shr_u (local.get $hash) (i32.const 3)) (i32.const 8191))))
                             (i32.shl (i32.const 1) (i32.and (local.get $hash) (i32.const 7))))
                  (then (call $exception (local.get $hash))) (else (i32.const 0)))
                  (then (local.set $stop (i32.const 1)))
                  (else (local.set $flags (i32.const 3)))))
              (else
                ;; Digits, '.' and ',' (ASCII): one token when the chunk starts and ends with a
                ;; digit, no two marks touch and it cannot be an exception.
                (if (i32.and (local.get $kinds) (i32.const 16))
                  (then
                    (local.set $ok (i32.and (i32.lt_u (i32.sub (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $start) (i32.const 1)))) (i32.const 48)) (i32.const 10))
                                            (i32.lt_u (i32.sub (i32.load16_u (i32.add (global.get $text) (i32.shl (i32.sub (local.get $pos) (i32.const 1)) (i32.const 1)))) (i32.const 48)) (i32.const 10))))
                    (local.set $i (i32.add (local.get $start) (i32.const 1)))
                    (block $marks_done
                      (loop $marks
                        (br_if $marks_done (i32.ge_u (local.get $i) (local.get $pos)))
                        ;; Marks are the units below '0'.
                        (br_if $marks_done (i32.and (i32.lt_u (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 48))
                                                    (i32.lt_u (i32.load16_u (i32.add (global.get $text) (i32.shl (i32.sub (local.get $i) (i32.const 1)) (i32.const 1)))) (i32.const 48))))
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (br $marks)))
                    (if (i32.and (i32.and (local.get $ok) (i32.ge_u (local.get $i) (local.get $pos)))
                                 (i32.eqz (call $isException (local.get $hash))))
                      (then
                        (local.set $flags (i32.const 1))
                        (br $emit)))))
                ;; The commonest of $shapes' chunks, taken here with the running hash ($shapes
                ;; hashes every run again, which cost 4-5 % of the stage without language ID):
                ;; letters only or digits only, then ',' or '.' (after a lowercase letter, two
                ;; capitals or a digit). The word; then the mark, written after this block.
                (local.set $c (i32.load16_u (i32.add (global.get $text) (i32.shl (i32.sub (local.get $pos) (i32.const 1)) (i32.const 1)))))
                (if (i32.and (i32.and (i32.ge_u (local.get $n) (i32.const 2)) (i32.ne (i32.and (local.get $kprev) (i32.const 6)) (i32.const 0)))
                             (i32.or (i32.eq (local.get $c) (i32.const 44)) (i32.eq (local.get $c) (i32.const 46))))
                  (then
                    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                    (local.set $hprev (call $finish (local.get $hprev) (local.get $n)))
                    (local.set $ok (i32.eqz (i32.or (call $isException (local.get $hash)) (call $isException (local.get $hprev)))))
                    (if (i32.and (i32.eq (local.get $c) (i32.const 46)) (i32.ne (i32.and (local.get $kprev) (i32.const 2)) (i32.const 0)))
                      (then
                        (local.set $ok (i32.and (local.get $ok)
                          (i32.or (i32.ge_u (i32.load16_u (i32.add (global.get $text) (i32.shl (i32.sub (local.get $pos) (i32.const 2)) (i32.const 1)))) (i32.const 97))
                                  (i32.and (i32.ge_u (local.get $n) (i32.const 2))
                                           (i32.lt_u (i32.load16_u (i32.add (global.get $text) (i32.shl (i32.sub (local.get $pos) (i32.const 3)) (i32.const 1)))) (i32.const 97))))))))
                    (if (local.get $ok)
                      (then
                        (local.set $at (i32.add (local.get $region) (i32.shl (local.get $count) (i32.const 2))))
                        (i32.store (local.get $at) (local.get $start))
                        (i32.store (i32.add (local.get $at) (local.get $quarter)) (i32.sub (local.get $pos) (i32.const 1)))
                        (i32.store (i32.add (local.get $at) (i32.shl (local.get $quarter) (i32.const 1))) (local.get $hprev))
                        (i32.store (i32.add (local.get $at) (i32.mul (local.get $quarter) (i32.const 3))) (local.get $n))
                        (local.set $at (i32.add (i32.add (local.get $region) (i32.mul (local.get $quarter) (i32.const 9))) (local.get $count)))
                        (i32.store8 (local.get $at) (local.get $ws))
                        (i32.store8 (i32.add (local.get $at) (global.get $cap)) (select (i32.const 1) (i32.const 3) (i32.and (local.get $kprev) (i32.const 4))))
                        (local.set $count (i32.add (local.get $count) (i32.const 1)))
                        (local.set $start (i32.sub (local.get $pos) (i32.const 1)))
                        (local.set $n (i32.const 1))
                        (local.set $ws (i32.const 0))
                        (local.set $hash (call $hashOf (local.get $start) (local.get $pos)))
                        (local.set $flags (i32.load8_u (i32.add (global.get $marks) (local.get $c))))
                        (br $emit)))
                    (local.set $n (i32.add (local.get $n) (i32.const 1)))))
                ;; The others (see $shapes).
                (local.set $k (call $shapes (local.get $start) (local.get $pos) (local.get $ws) (local.get $region) (local.get $quarter) (local.get $count)))
                (if (local.get $k)
                  (then
                    (local.set $count (i32.add (local.get $count) (local.get $k)))
                    (br $main)))
                ;; Any other chunk: its tokens from the chunk cache (chunk-cache.ts), when there.
                (local.set $stop (i32.const 2))
                (if (i32.le_u (local.get $n) (i32.const 24))
                  (then
                    (local.set $rec (i32.add (global.get $cache) (i32.mul (i32.and (local.get $hash) (i32.const 16383)) (i32.const 100))))
                    ;; Does the record hold this chunk? Its length, then its units two per int (an
                    ;; odd last unit with a zero high half). (Inline: Node 20 does not inline wasm calls.)
                    (local.set $same (i32.eq (i32.and (i32.load (local.get $rec)) (i32.const 0xff)) (local.get $n)))
                    (local.set $tp (i32.add (global.get $text) (i32.shl (local.get $start) (i32.const 1))))
                    (local.set $rp (i32.add (local.get $rec) (i32.const 4)))
                    (local.set $i (i32.const 0))
                    (block $compared
                      (loop $pairs
                        (br_if $compared (i32.eqz (local.get $same)))
                        (br_if $compared (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $n)))
                        (local.set $same (i32.eq (i32.load (local.get $tp)) (i32.load (local.get $rp))))
                        (local.set $i (i32.add (local.get $i) (i32.const 2)))
                        (local.set $tp (i32.add (local.get $tp) (i32.const 4)))
                        (local.set $rp (i32.add (local.get $rp) (i32.const 4)))
                        (br $pairs)))
                    (if (i32.and (local.get $same) (i32.lt_u (local.get $i) (local.get $n)))
                      (then (local.set $same (i32.eq (i32.load16_u (local.get $tp)) (i32.load (local.get $rp))))))
                    (if (local.get $same)
                      (then
                        ;; Per token: start | end << 8 | length << 16 | flags << 24 (relative to the chunk), hash.
                        (local.set $k (i32.const 0))
                        (local.set $m (i32.shr_u (i32.load (local.get $rec)) (i32.const 8)))
                        (block $replayed
                          (loop $replay
                            (br_if $replayed (i32.ge_u (local.get $k) (local.get $m)))
                            (local.set $t (i32.load offset=52 (i32.add (local.get $rec) (i32.shl (local.get $k) (i32.const 3)))))
                            (local.set $at (i32.add (local.get $region) (i32.shl (local.get $count) (i32.const 2))))
                            (i32.store (local.get $at) (i32.add (local.get $start) (i32.and (local.get $t) (i32.const 0xff))))
                            (i32.store (i32.add (local.get $at) (local.get $quarter))
                                       (i32.add (local.get $start) (i32.and (i32.shr_u (local.get $t) (i32.const 8)) (i32.const 0xff))))
                            (i32.store (i32.add (local.get $at) (i32.shl (local.get $quarter) (i32.const 1)))
                                       (i32.load offset=56 (i32.add (local.get $rec) (i32.shl (local.get $k) (i32.const 3)))))
                            (i32.store (i32.add (local.get $at) (i32.mul (local.get $quarter) (i32.const 3)))
                                       (i32.and (i32.shr_u (local.get $t) (i32.const 16)) (i32.const 0xff)))
                            (local.set $at (i32.add (i32.add (local.get $region) (i32.mul (local.get $quarter) (i32.const 9))) (local.get $count)))
                            ;; Only the first token of the chunk has the whitespace before it.
                            (i32.store8 (local.get $at) (select (local.get $ws) (i32.const 0) (i32.eqz (local.get $k))))
                            (i32.store8 (i32.add (local.get $at) (global.get $cap)) (i32.shr_u (local.get $t) (i32.const 24)))
                            (local.set $count (i32.add (local.get $count) (i32.const 1)))
                            (local.set $k (i32.add (local.get $k) (i32.const 1)))
                            (br $replay)))
                        (local.set $stop (i32.const 0))
                        (br $main)))))))))
        (if (local.get $stop)
          (then
            (i32.store offset=32 (global.get $state) (local.get $stop))
            (i32.store offset=36 (global.get $state) (local.get $start))
            (i32.store offset=40 (global.get $state) (local.get $pos))
            (i32.store offset=44 (global.get $state) (local.get $hash))
            (br $done))))
        (local.set $at (i32.add (local.get $region) (i32.shl (local.get $count) (i32.const 2))))
        (i32.store (local.get $at) (local.get $start))
        (i32.store (i32.add (local.get $at) (local.get $quarter)) (local.get $pos))
        (i32.store (i32.add (local.get $at) (i32.shl (local.get $quarter) (i32.const 1))) (local.get $hash))
        (i32.store (i32.add (local.get $at) (i32.mul (local.get $quarter) (i32.const 3))) (local.get $n))
        (local.set $at (i32.add (i32.add (local.get $region) (i32.mul (local.get $quarter) (i32.const 9))) (local.get $count)))
        (i32.store8 (local.get $at) (local.get $ws))
        (i32.store8 (i32.add (local.get $at) (global.get $cap)) (local.get $flags))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (br $main)))
    (i32.store offset=4 (global.get $state) (local.get $pos))
    (i32.store offset=8 (global.get $state) (local.get $ws))
    (i32.store offset=12 (global.get $state) (local.get $count))
    (i32.store offset=16 (global.get $state) (local.get $chunks))
    (i32.store offset=20 (global.get $state) (local.get $newlines))
    (i32.store offset=24 (global.get $state) (local.get $other))
    (i32.store offset=28 (global.get $state) (local.get $phase))
    (i32.store offset=60 (global.get $state) (local.get $longest))
    (local.get $stop)))
