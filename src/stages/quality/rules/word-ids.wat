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
;; 28 units) and its units; `pending` has a byte per low 16 bits of a hash, nonzero for theirs.
;; Regenerate word-ids-kernel.ts with `npm run build:wasm` (needs wat2wasm from Debian's wabt).
(module
  (import "env" "memory" (memory 1))

  ;; Sets `count` int32s at `at` to zero.
  (func $clear (param $at i32) (param $count i32)
    (memory.fill (local.get $at) (i32.const 0) (i32.shl (local.get $count) (i32.const 2))))

  (func (export "intern")
    (param $text i32) (param $starts i32) (param $ends i32) (param $hashes i32) (param $lengths i32) (param $n i32)
    (param $slots i32) (param $mask i32) (param $first i32)
    (param $words i32) (param $counts i32) (param $cum i32) (param $active i32) (param $activeClass i32)
    (result i32)
    (local $t i32) (local $h i32) (local $s i32) (local $len i32) (local $slot i32) (local $entry i32)
    (local $id i32) (local $f i32) (local $size i32) (local $i i32) (local $a i32) (local $b i32) (local $k i32) (local $sum i32)
    (call $clear (local.get $slots) (i32.add (local.get $mask) (i32.const 1)))
    (i32.store (local.get $cum) (i32.const 0))
    (block $tokens_done
      (loop $tokens
        (br_if $tokens_done (i32.ge_u (local.get $t) (local.get $n)))
        (local.set $h (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $s (i32.load (i32.add (local.get $starts) (i32.shl (local.get $t) (i32.const 2)))))
        (local.set $len (i32.sub (i32.load (i32.add (local.get $ends) (i32.shl (local.get $t) (i32.const 2)))) (local.get $s)))
        (local.set $slot (i32.and (local.get $h) (local.get $mask)))
        (local.set $id (i32.const -1))
        (block $found
          (loop $probe
            (local.set $entry (i32.load (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 2)))))
            (br_if $found (i32.eqz (local.get $entry)))
            ;; The id's first token: same hash, same length, same units?
            (local.set $f (i32.load (i32.add (local.get $first) (i32.shl (i32.sub (local.get $entry) (i32.const 1)) (i32.const 2)))))
            (if (i32.and (i32.eq (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $f) (i32.const 2)))) (local.get $h))
                         (i32.eq (i32.sub (i32.load (i32.add (local.get $ends) (i32.shl (local.get $f) (i32.const 2))))
                                          (i32.load (i32.add (local.get $starts) (i32.shl (local.get $f) (i32.const 2)))))
                                 (local.get $len)))
              (then
                (local.set $a (i32.add (local.get $text) (i32.shl (i32.load (i32.add (local.get $starts) (i32.shl (local.get $f) (i32.const 2)))) (i32.const 1))))
                (local.set $b (i32.add (local.get $text) (i32.shl (local.get $s) (i32.const 1))))
                (local.set $i (i32.const 0))
                (block $differ
                  ;; Four units at a time while four are left, then one at a time.
                  (loop $quads
                    (if (i32.le_u (i32.add (local.get $i) (i32.const 4)) (local.get $len))
                      (then
                        (br_if $differ (i64.ne (i64.load (local.get $a)) (i64.load (local.get $b))))
                        (local.set $a (i32.add (local.get $a) (i32.const 8)))
                        (local.set $b (i32.add (local.get $b) (i32.const 8)))
                        (local.set $i (i32.add (local.get $i) (i32.const 4)))
                        (br $quads))))
                  (loop $units
                    (if (i32.ge_u (local.get $i) (local.get $len))
                      (then
                        (local.set $id (i32.sub (local.get $entry) (i32.const 1)))
                        (br $found)))
                    (br_if $differ (i32.ne (i32.load16_u (local.get $a)) (i32.load16_u (local.get $b))))
                    (local.set $a (i32.add (local.get $a) (i32.const 2)))
                    (local.set $b (i32.add (local.get $b) (i32.const 2)))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $units)))))
            (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
            (br $probe)))
        (if (i32.lt_s (local.get $id) (i32.const 0))
          (then
            (local.set $id (local.get $size))
            (local.set $size (i32.add (local.get $size) (i32.const 1)))
            (i32.store (i32.add (local.get $first) (i32.shl (local.get $id) (i32.const 2))) (local.get $t))
            (i32.store (i32.add (local.get $counts) (i32.shl (local.get $id) (i32.const 2))) (i32.const 0))
            (i32.store (i32.add (local.get $slots) (i32.shl (local.get $slot) (i32.const 2))) (local.get $size))))
        (local.set $a (i32.add (local.get $counts) (i32.shl (local.get $id) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (i32.store (i32.add (local.get $words) (i32.shl (local.get $t) (i32.const 2))) (local.get $id))
        (local.set $sum (i32.add (local.get $sum) (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $t) (i32.const 2))))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (i32.store (i32.add (local.get $cum) (i32.shl (local.get $t) (i32.const 2))) (local.get $sum))
        (br $tokens)))
    ;; Positions whose word repeats.
    (local.set $t (i32.const 0))
    (block $active_done
      (loop $scan
        (br_if $active_done (i32.ge_u (local.get $t) (local.get $n)))
        (local.set $id (i32.load (i32.add (local.get $words) (i32.shl (local.get $t) (i32.const 2)))))
        (if (i32.gt_s (i32.load (i32.add (local.get $counts) (i32.shl (local.get $id) (i32.const 2)))) (i32.const 1))
          (then
            (i32.store (i32.add (local.get $active) (i32.shl (local.get $k) (i32.const 2))) (local.get $t))
            (i32.store (i32.add (local.get $activeClass) (i32.shl (local.get $k) (i32.const 2))) (local.get $id))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $scan)))
    (local.get $k))

  (func (export "advance")
    (param $n i32) (param $count i32) (param $activeCount i32) (param $seed i32)
    (param $table i32) (param $mask i32)
    (param $words i32) (param $counts i32) (param $active i32) (param $activeClass i32) (param $cand i32) (param $candClass i32)
    (result i32)
    (local $last i32) (local $k i32) (local $i i32) (local $a i32) (local $b i32) (local $slot i32) (local $at i32)
    (local $v i32) (local $id i32) (local $classes i32) (local $m i32) (local $j i32) (local $p i32)
    (call $clear (local.get $table) (i32.mul (i32.add (local.get $mask) (i32.const 1)) (i32.const 3)))
    (local.set $last (i32.sub (local.get $count) (local.get $n)))
    (block $pairs_done
      (loop $pairs
        (br_if $pairs_done (i32.ge_u (local.get $k) (local.get $activeCount)))
        (local.set $i (i32.load (i32.add (local.get $active) (i32.shl (local.get $k) (i32.const 2)))))
        (br_if $pairs_done (i32.gt_s (local.get $i) (local.get $last)))
        (local.set $a (i32.load (i32.add (local.get $activeClass) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $b (i32.load (i32.add (local.get $words) (i32.shl (i32.sub (i32.add (local.get $i) (local.get $n)) (i32.const 1)) (i32.const 2)))))
        ;; PairInterner's slot: (imul(a ^ seed, 0x9e3779b1) ^ imul(b + 0x7f4a7c15, 0x85ebca6b)), high half folded in.
        (local.set $slot (i32.xor (i32.mul (i32.xor (local.get $a) (local.get $seed)) (i32.const 0x9e3779b1))
                                  (i32.mul (i32.add (local.get $b) (i32.const 0x7f4a7c15)) (i32.const 0x85ebca6b))))
        (local.set $slot (i32.and (i32.xor (local.get $slot) (i32.shr_u (local.get $slot) (i32.const 16))) (local.get $mask)))
        (block $got
          (loop $probe
            (local.set $at (i32.add (local.get $table) (i32.mul (local.get $slot) (i32.const 12))))
            (local.set $v (i32.load offset=8 (local.get $at)))
            (if (i32.eqz (local.get $v))
              (then
                (i32.store offset=0 (local.get $at) (local.get $a))
                (i32.store offset=4 (local.get $at) (local.get $b))
                (local.set $id (local.get $classes))
                (local.set $classes (i32.add (local.get $classes) (i32.const 1)))
                (i32.store offset=8 (local.get $at) (local.get $classes))
                (i32.store (i32.add (local.get $counts) (i32.shl (local.get $id) (i32.const 2))) (i32.const 0))
                (br $got)))
            (if (i32.and (i32.eq (i32.load offset=0 (local.get $at)) (local.get $a)) (i32.eq (i32.load offset=4 (local.get $at)) (local.get $b)))
              (then
                (local.set $id (i32.sub (local.get $v) (i32.const 1)))
                (br $got)))
            (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
            (br $probe)))
        (local.set $p (i32.add (local.get $counts) (i32.shl (local.get $id) (i32.const 2))))
        (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (i32.const 1)))
        (i32.store (i32.add (local.get $cand) (i32.shl (local.get $m) (i32.const 2))) (local.get $i))
        (i32.store (i32.add (local.get $candClass) (i32.shl (local.get $m) (i32.const 2))) (local.get $id))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $pairs)))
    ;; Keep the positions whose n-gram repeats.
    (local.set $k (i32.const 0))
    (block $keep_done
      (loop $keep
        (br_if $keep_done (i32.ge_u (local.get $j) (local.get $m)))
        (local.set $id (i32.load (i32.add (local.get $candClass) (i32.shl (local.get $j) (i32.const 2)))))
        (if (i32.gt_s (i32.load (i32.add (local.get $counts) (i32.shl (local.get $id) (i32.const 2)))) (i32.const 1))
          (then
            (i32.store (i32.add (local.get $active) (i32.shl (local.get $k) (i32.const 2)))
                       (i32.load (i32.add (local.get $cand) (i32.shl (local.get $j) (i32.const 2)))))
            (i32.store (i32.add (local.get $activeClass) (i32.shl (local.get $k) (i32.const 2))) (local.get $id))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))))
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
    (i32.store offset=0 (local.get $out) (local.get $words))
    (i32.store offset=4 (local.get $out) (local.get $chars))
    (i32.store offset=8 (local.get $out) (local.get $alpha))
    (i32.store offset=12 (local.get $out) (local.get $distinct))))
