;; Gopher repetition's word n-gram classes (gopher-repetition.ts, NgramLevels.load and advance) in
;; WebAssembly, over a token buffer that chunk-scan.wat's memory holds (this module imports that
;; memory). The same steps as the JavaScript code, so the same ids in the same order: a word's id is
;; the number of distinct words before its first occurrence, an n-gram class's id the number of
;; distinct n-grams (among the tracked positions) before it.
;;
;; intern(...): word ids of the n tokens (interned by their text: hash, length and units compared),
;; how often each occurs, the prefix sums of the tokens' lengths, and the positions whose word
;; occurs more than once (with their ids); returns how many such positions.
;; advance(...): from (n-1)-gram classes at the tracked positions to n-gram classes (pairs (class
;; of the prefix, id of the last word) interned), keeping the positions whose n-gram occurs more
;; than once; returns how many.
;; stats(...): Gopher quality's word statistics (gopher-quality.ts, wordStats and StopWords.countIn)
;; over the same tokens, written at `out`: the tokens that are words (flag 1), their lengths summed,
;; the tokens with a letter (flag 2), and how many distinct stop words occur. The stop words are
;; at `stop`: an int32 count (at most 32), then per word 64 bytes: its hash, its length (at most
;; 28 units) and its units; `pending` has a byte per low 16 bits of a hash: how many stop words
;; not found yet have those bits (restored at the end).
;; Regenerate word-ids-kernel.ts with `npm run build:wasm` (needs wat2wasm from Debian's wabt).
(module
  (import "env" "memory" (memory 1))

;; Both tables are never cleared: a slot belongs to this call when its stamp (a serial number,
  ;; one per id handed out, that only grows) is at least the call's first one. When the serials
  ;; would pass 2^31 the table is zeroed and they start again at 1.
  (global $wordSerial (export "wordSerial") (mut i32) (i32.const 1))
  (global $pairSerial (export "pairSerial") (mut i32) (i32.const 1))

  ;; The first stamp of a call that hands out at most `ids` ids, given a table's serial; zeroes
  ;; the table's `bytes` at `at` (every slot any call used) when the serials would overflow.
  (func $firstStamp (param $serial i32) (param $ids i32) (param $at i32) (param $bytes i32) (result i32)
    (if (i32.gt_u (local.get $serial) (i32.sub (i32.const 0x7fffffff) (local.get $ids)))
      (then
        (memory.fill (local.get $at) (i32.const 0) (local.get $bytes))
        (return (i32.const 1))))
    (local.get $serial))

;; Word table: 16-byte slots [hash, start, length, stamp] (the start of the word's first token;
  ;; stamp - base its id). Branches cost more than the work here (whether a word is new, how long
  ;; it is: mispredicted, they took half the time), so a probe compares up to eight units with two
  ;; masked loads whatever the slot holds, and a slot is written whether or not it changes. Loads
  ;; reach up to eight units past a token's start (or a stale slot's start, also inside the text
  ;; region): the text region is followed by the token arrays in this memory.
  (func (export "intern")
    (param $text i32) (param $starts i32) (param $ends i32) (param $hashes i32) (param $lengths i32) (param $n i32)
    (param $slots i32) (param $mask i32) (param $slotBytes i32)
    (param $words i32) (param $counts i32) (param $cum i32) (param $active i32) (param $activeClass i32)
    (result i32)
    (local $t i32) (local $h i32) (local $s i32) (local $len i32) (local $slot i32) (local $rec i32) (local $v i32)
    (local $id i32) (local $size i32) (local $i i32) (local $a i32) (local $b i32) (local $k i32) (local $sum i32)
    (local $base i32) (local $same i32) (local $empty i32) (local $m0 i64) (local $m1 i64) (local $r i32)
    (local.set $base (call $firstStamp (global.get $wordSerial) (local.get $n) (local.get $slots) (local.get $slotBytes)))
    (i32.store (local.get $cum) (i32.const 0))
    (block $tokens_done
      (loop $tokens
        (br_if $tokens_done (i32.ge_u (local.get $t) (local.get $n)))
        (local.set $h (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $s (i32.load (i32.add (local.get $starts) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $len (i32.sub (i32.load (i32.add (local.get $ends) (i32.shl (local.get $t) (i32.const 2)))) (local.get $s)))
        ;; Masks of the word's first four units and of the next four (up to eight).
        (local.set $r (select (local.get $len) (i32.const 4) (i32.lt_u (local.get $len) (i32.const 4))))
        (local.set $m0 (i64.shr_u (i64.const -1) (i64.extend_i32_u (i32.and (i32.sub (i32.const 64) (i32.shl (local.get $r) (i32.const 4))) (i32.const 63)))))
        (local.set $r (i32.sub (select (local.get $len) (i32.const 8) (i32.lt_u (local.get $len) (i32.const 8))) (i32.const 4)))
        (local.set $m1 (select
          (i64.shr_u (i64.const -1) (i64.extend_i32_u (i32.and (i32.sub (i32.const 64) (i32.shl (local.get $r) (i32.const 4))) (i32.const 63))))
          (i64.const 0)
          (i32.gt_s (local.get $r) (i32.const 0))))
        (local.set $b (i32.add (local.get $text) (i32.shl (local.get $s) (i32.const 1))))
        (local.set $slot (i32.and (local.get $h) (local.get $mask)))
        (block $found
          (loop $probe
            (local.set $rec (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 4))))
            (local.set $v (i32.load offset=12 (local.get $rec)))
            (local.set $empty (i32.lt_u (local.get $v) (local.get $base)))
            (local.set $a (i32.add (local.get $text) (i32.shl (i32.load offset=4 (local.get $rec)) (i32.const 1))))
            ;; Same hash, same length, same first eight units (of a word in use)?
            (local.set $same (i32.and
              (i32.and (i32.eq (i32.load offset=0 (local.get $rec)) (local.get $h)) (i32.eq (i32.load offset=8 (local.get $rec)) (local.get $len)))
              (i32.and (i32.eqz (local.get $empty))
                (i64.eqz (i64.or
                  (i64.and (i64.xor (i64.load offset=0 (local.get $a)) (i64.load offset=0 (local.get $b))) (local.get $m0))
                  (i64.and (i64.xor (i64.load offset=8 (local.get $a)) (i64.load offset=8 (local.get $b))) (local.get $m1)))))))
            (if (i32.and (local.get $same) (i32.gt_u (local.get $len) (i32.const 8)))
              (then
                ;; The rest of a long word: four units at a time, then the last four (overlapping).
                (local.set $a (i32.add (local.get $a) (i32.const 16)))
                (local.set $b (i32.add (local.get $b) (i32.const 16)))
                (local.set $i (i32.const 12))
                (block $compared
                  (loop $quads
                    (br_if $compared (i32.ge_u (local.get $i) (local.get $len)))
                    (if (i64.ne (i64.load (local.get $a)) (i64.load (local.get $b)))
                      (then (local.set $same (i32.const 0)) (br $compared)))
                    (local.set $a (i32.add (local.get $a) (i32.const 8)))
                    (local.set $b (i32.add (local.get $b) (i32.const 8)))
                    (local.set $i (i32.add (local.get $i) (i32.const 4)))
                    (br $quads)))
                (if (local.get $same)
                  (then
                    ;; a and b are 4..7 units before the ends.
                    (local.set $i (i32.shl (i32.sub (local.get $len) (i32.sub (local.get $i) (i32.const 4))) (i32.const 1)))
                    (local.set $same (i64.eq (i64.load (i32.sub (i32.add (local.get $a) (local.get $i)) (i32.const 8)))
                                             (i64.load (i32.sub (i32.add (local.get $b) (local.get $i)) (i32.const 8)))))))
                (local.set $b (i32.add (local.get $text) (i32.shl (local.get $s) (i32.const 1))))))
            (br_if $found (i32.or (local.get $empty) (local.get $same)))
            (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
            (br $probe)))
        ;; A new word takes the empty slot and the next id; a known one rewrites its slot unchanged.
        (local.set $id (select (local.get $size) (i32.sub (local.get $v) (local.get $base)) (local.get $empty)))
        (i32.store offset=0 (local.get $rec) (local.get $h))
        (i32.store offset=4 (local.get $rec) (select (local.get $s) (i32.load offset=4 (local.get $rec)) (local.get $empty)))
        (i32.store offset=8 (local.get $rec) (local.get $len))
        (i32.store offset=12 (local.get $rec) (i32.add (local.get $base) (local.get $id)))
        (local.set $size (i32.add (local.get $size) (local.get $empty)))
        (local.set $a (i32.add (local.get $counts) (i32.shl (local.get $id) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (select (i32.const 0) (i32.load (local.get $a)) (local.get $empty)) (i32.const 1)))
        (i32.store (i32.add (local.get $words) (i32.shl (local.get $t) (i32.const 2))) (local.get $id))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tokens)))
    (global.set $wordSerial (i32.add (local.get $base) (local.get $size)))
    ;; Positions whose word repeats (every position written, only those counted), and the
    ;; length sums.
    (local.set $t (i32.const 0))
    (block $active_done
      (loop $scan
        (br_if $active_done (i32.ge_u (local.get $t) (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $t) (i32.const 2))))))
        (i32.store offset=4 (i32.add (local.get $cum) (i32.shl (local.get $t) (i32.const 2))) (local.get $sum))
        (local.set $id (i32.load (i32.add (local.get $words) (i32.shl (local.get $t) (i32.const 2)))))
        (i32.store (i32.add (local.get $active) (i32.shl (local.get $k) (i32.const 2))) (local.get $t))
        (i32.store (i32.add (local.get $activeClass) (i32.shl (local.get $k) (i32.const 2))) (local.get $id))
        (local.set $k (i32.add (local.get $k)
          (i32.gt_s (i32.load (i32.add (local.get $counts) (i32.shl (local.get $id) (i32.const 2)))) (i32.const 1))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $scan)))
    (local.get $k))

  ;; Pair table: 16-byte slots [class of the prefix, last word, stamp, unused]. Only positions whose
  ;; (n-1)-gram and the next position's both repeat are looked at (an n-gram that repeats has a
  ;; suffix that repeats); every other n-gram is unique. Written without branches on the data as
  ;; `intern`: first the candidates (cand, and their prefix class in candClass), then their
  ;; classes (over the prefix class), then the ones that repeat.
  (func (export "advance")
    (param $n i32) (param $activeCount i32) (param $seed i32)
    (param $table i32) (param $mask i32) (param $tableBytes i32)
    (param $words i32) (param $counts i32) (param $active i32) (param $activeClass i32) (param $cand i32) (param $candClass i32)
    (result i32)
    (local $k i32) (local $i i32) (local $a i32) (local $b i32) (local $slot i32) (local $at i32) (local $empty i32)
    (local $v i32) (local $id i32) (local $classes i32) (local $m i32) (local $j i32) (local $p i32) (local $base i32) (local $lastK i32)
    (local.set $base (call $firstStamp (global.get $pairSerial) (local.get $activeCount) (local.get $table) (local.get $tableBytes)))
    (local.set $lastK (i32.sub (local.get $activeCount) (i32.const 1)))
    (block $cands_done
      (loop $cands
        (br_if $cands_done (i32.ge_s (local.get $k) (local.get $lastK)))
        (local.set $i (i32.load (i32.add (local.get $active) (i32.shl (local.get $k) (i32.const 2)))))
        (i32.store (i32.add (local.get $cand) (i32.shl (local.get $m) (i32.const 2))) (local.get $i))
        (i32.store (i32.add (local.get $candClass) (i32.shl (local.get $m) (i32.const 2)))
                   (i32.load (i32.add (local.get $activeClass) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $m (i32.add (local.get $m)
          (i32.eq (i32.load (i32.add (local.get $active) (i32.shl (local.get $k) (i32.const 2)))) (i32.add (local.get $i) (i32.const 1)))))
        (br $cands)))
    (block $pairs_done
      (loop $pairs
        (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $m)))
        (local.set $p (i32.add (local.get $candClass) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $a (i32.load (local.get $p)))
        (local.set $b (i32.load (i32.add (local.get $words) (i32.shl (i32.sub (i32.add
          (i32.load (i32.add (local.get $cand) (i32.shl (local.get $j) (i32.const 2)))) (local.get $n)) (i32.const 1)) (i32.const 2)))))
        ;; PairInterner's slot: (imul(a ^ seed, 0x9e3779b1) ^ imul(b + 0x7f4a7c15, 0x85ebca6b)), high half folded in.
        (local.set $slot (i32.xor (i32.mul (i32.xor (local.get $a) (local.get $seed)) (i32.const 0x9e3779b1))
                                  (i32.mul (i32.add (local.get $b) (i32.const 0x7f4a7c15)) (i32.const 0x85ebca6b))))
        (local.set $slot (i32.and (i32.xor (local.get $slot) (i32.shr_u (local.get $slot) (i32.const 16))) (local.get $mask)))
        (block $got
          (loop $probe
            (local.set $at (i32.add (local.get $table) (i32.shl (local.get $slot) (i32.const 4))))
            (local.set $v (i32.load offset=8 (local.get $at)))
            (local.set $empty (i32.lt_u (local.get $v) (local.get $base)))
            (br_if $got (i32.or (local.get $empty)
              (i32.and (i32.eq (i32.load offset=0 (local.get $at)) (local.get $a)) (i32.eq (i32.load offset=4 (local.get $at)) (local.get $b)))))
            (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
            (br $probe)))
        (local.set $id (select (local.get $classes) (i32.sub (local.get $v) (local.get $base)) (local.get $empty)))
        (i32.store offset=0 (local.get $at) (local.get $a))
        (i32.store offset=4 (local.get $at) (local.get $b))
        (i32.store offset=8 (local.get $at) (i32.add (local.get $base) (local.get $id)))
        (local.set $classes (i32.add (local.get $classes) (local.get $empty)))
        (local.set $at (i32.add (local.get $counts) (i32.shl (local.get $id) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (select (i32.const 0) (i32.load (local.get $at)) (local.get $empty)) (i32.const 1)))
        (i32.store (local.get $p) (local.get $id))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $pairs)))
    (global.set $pairSerial (i32.add (local.get $base) (local.get $classes)))
    ;; Keep the positions whose n-gram repeats.
    (local.set $k (i32.const 0))
    (local.set $j (i32.const 0))
    (block $keep_done
      (loop $keep
        (br_if $keep_done (i32.ge_u (local.get $j) (local.get $m)))
        (local.set $id (i32.load (i32.add (local.get $candClass) (i32.shl (local.get $j) (i32.const 2)))))
        (i32.store (i32.add (local.get $active) (i32.shl (local.get $k) (i32.const 2)))
                   (i32.load (i32.add (local.get $cand) (i32.shl (local.get $j) (i32.const 2)))))
        (i32.store (i32.add (local.get $activeClass) (i32.shl (local.get $k) (i32.const 2))) (local.get $id))
        (local.set $k (i32.add (local.get $k)
          (i32.gt_s (i32.load (i32.add (local.get $counts) (i32.shl (local.get $id) (i32.const 2)))) (i32.const 1))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $keep)))
    (local.get $k))
  (func (export "stats")
    (param $text i32) (param $starts i32) (param $ends i32) (param $hashes i32) (param $lengths i32) (param $flags i32) (param $n i32)
    (param $stop i32) (param $pending i32) (param $out i32)
    (local $t i32) (local $f i32) (local $words i32) (local $chars i32) (local $alpha i32) (local $found i32) (local $distinct i32)
    (local $count i32) (local $h i32) (local $k i32) (local $rec i32) (local $len i32) (local $a i32) (local $b i32) (local $i i32)
    (local.set $count (i32.load (local.get $stop)))
    (block $tokens_done
      (loop $tokens
        (br_if $tokens_done (i32.ge_u (local.get $t) (local.get $n)))
        (local.set $f (i32.load8_u (i32.add (local.get $flags) (local.get $t))))
        (local.set $words (i32.add (local.get $words) (i32.and (local.get $f) (i32.const 1))))
        (local.set $chars (i32.add (local.get $chars)
          (select (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 0) (i32.and (local.get $f) (i32.const 1)))))
        (local.set $alpha (i32.add (local.get $alpha) (i32.and (i32.shr_u (local.get $f) (i32.const 1)) (i32.const 1))))
        (local.set $h (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $t) (i32.const 2)))))
        (if (i32.and (i32.lt_u (local.get $distinct) (local.get $count))
                     (i32.ne (i32.load8_u (i32.add (local.get $pending) (i32.and (local.get $h) (i32.const 0xffff)))) (i32.const 0)))
          (then
            (local.set $len (i32.sub (i32.load (i32.add (local.get $ends) (i32.shl (local.get $t) (i32.const 2))))
                                     (i32.load (i32.add (local.get $starts) (i32.shl (local.get $t) (i32.const 2))))))
            (local.set $k (i32.const 0))
            (block $looked
              (loop $words_loop
                (br_if $looked (i32.ge_u (local.get $k) (local.get $count)))
                (local.set $rec (i32.add (i32.add (local.get $stop) (i32.const 4)) (i32.shl (local.get $k) (i32.const 6))))
                (if (i32.and (i32.eqz (i32.and (local.get $found) (i32.shl (i32.const 1) (local.get $k))))
                             (i32.and (i32.eq (i32.load (local.get $rec)) (local.get $h)) (i32.eq (i32.load offset=4 (local.get $rec)) (local.get $len))))
                  (then
                    (local.set $a (i32.add (local.get $text) (i32.shl (i32.load (i32.add (local.get $starts) (i32.shl (local.get $t) (i32.const 2)))) (i32.const 1))))
                    (local.set $b (i32.add (local.get $rec) (i32.const 8)))
                    (local.set $i (i32.const 0))
                    (block $differ
                      (loop $units
                        (if (i32.ge_u (local.get $i) (local.get $len))
                          (then
                            (local.set $found (i32.or (local.get $found) (i32.shl (i32.const 1) (local.get $k))))
                            (local.set $distinct (i32.add (local.get $distinct) (i32.const 1)))
                            ;; Later tokens with these hash bits skip the look-up unless another
                            ;; stop word not found yet has them too (as StopWords.countIn does).
                            (local.set $a (i32.add (local.get $pending) (i32.and (local.get $h) (i32.const 0xffff))))
                            (i32.store8 (local.get $a) (i32.sub (i32.load8_u (local.get $a)) (i32.const 1)))
                            (br $looked)))
                        (br_if $differ (i32.ne (i32.load16_u (local.get $a)) (i32.load16_u (local.get $b))))
                        (local.set $a (i32.add (local.get $a) (i32.const 2)))
                        (local.set $b (i32.add (local.get $b) (i32.const 2)))
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (br $units)))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $words_loop)))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tokens)))
    ;; Put back the counts of the words found.
    (local.set $k (i32.const 0))
    (block $restored
      (loop $restore
        (br_if $restored (i32.ge_u (local.get $k) (local.get $count)))
        (if (i32.and (local.get $found) (i32.shl (i32.const 1) (local.get $k)))
          (then
            (local.set $a (i32.add (local.get $pending)
              (i32.and (i32.load (i32.add (i32.add (local.get $stop) (i32.const 4)) (i32.shl (local.get $k) (i32.const 6)))) (i32.const 0xffff))))
            (i32.store8 (local.get $a) (i32.add (i32.load8_u (local.get $a)) (i32.const 1)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $restore)))
    (i32.store offset=0 (local.get $out) (local.get $words))
    (i32.store offset=4 (local.get $out) (local.get $chars))
    (i32.store offset=8 (local.get $out) (local.get $alpha))
    (i32.store offset=12 (local.get $out) (local.get $distinct))))
