;; fastText's word loop for a text whose words are mostly in the word-sum cache (language ID):
;; the same steps as HiddenVector.addText's JavaScript loop, in WebAssembly SIMD. The text is in
;; this module's memory as UTF-16 units; the cache (word-sum-cache.ts, 16 dimensions, no extra
;; ints) too. Tokens go in blocks of 128: split on fastText's separators and hashed (FNV-1a over
;; units, key = h ^ h >>> 15), the cache record each one's tag points to read once for the block
;; (independent reads wait for memory together), then each found word's float32 sums are added in
;; token order to sixteen float64 accumulators (f64x2 lanes: the same additions, in the same order,
;; as `hidden[d] += sums[d]` in JavaScript, so identical bits).
;;
;; A word not in the cache is summed here from the model's tables (`$sumWord`, when `initModel`
;; gave them: a pruned, product-quantised model such as lid.176.ftz) and cached. Any other token
;; the cache cannot answer (longer than 30 units, starting with '_' (maybe a label), `</s>` spelled
;; out, or a word not cached without the tables) stops `run`, which returns 1 with the token in the
;; state; JavaScript adds it (and caches it) into the same memory, and calls `run` again, which
;; goes on with the next token. `run` returns 0 when the text is done.
;;
;; Layout (byte offsets, set by `init`): records (128 bytes a slot: [length | rows << 16, 16
;; float32 sums, 15 ints of units two per int]), tags (int32 a slot), recent (a byte a set of two
;; slots), hidden (16 float64), block (starts, ends, keys: 128 int32 each), state (int32s below),
;; text (units, and two bytes of padding after the longest text).
;; Regenerate word-scan-kernel.ts with `npm run build:wasm` (needs wat2wasm from Debian's wabt).
(module
  (memory (export "memory") 1)
  (global $records (mut i32) (i32.const 0))
  (global $tags (mut i32) (i32.const 0))
  (global $recent (mut i32) (i32.const 0))
  (global $mask (mut i32) (i32.const 0))
  (global $hidden (mut i32) (i32.const 0))
  (global $block (mut i32) (i32.const 0))
  (global $state (mut i32) (i32.const 0))
  (global $text (mut i32) (i32.const 0))
  ;; The model's tables, for words not in the cache (see `initModel`); $canSum 0: JavaScript sums them.
  (global $canSum (mut i32) (i32.const 0))
  (global $dict (mut i32) (i32.const 0))
  (global $dictMask (mut i32) (i32.const 0))
  (global $wordAt (mut i32) (i32.const 0))
  (global $units (mut i32) (i32.const 0))
  (global $nwords (mut i32) (i32.const 0))
  (global $kept (mut i32) (i32.const 0))
  (global $keptMap (mut i32) (i32.const 0))
  (global $keptMask (mut i32) (i32.const 0))
  (global $keptShift (mut i32) (i32.const 0))
  (global $codes (mut i32) (i32.const 0))
  (global $norms (mut i32) (i32.const 0))
  (global $centroids (mut i32) (i32.const 0))
  (global $bytes (mut i32) (i32.const 0))
  (global $sums (mut i32) (i32.const 0))
  (global $rowList (mut i32) (i32.const 0))
  (global $minn (mut i32) (i32.const 0))
  (global $maxn (mut i32) (i32.const 0))
  (global $bucket (mut f64) (f64.const 0))
  (global $invBucket (mut f64) (f64.const 0))
  ;; State, int32 at $state + 4 * index.
  ;; 0 length of the text, 1 scan position, 2 tokens in the block, 3 next token of the block,
  ;; 4 rows added, 5 tokens added, 6-8 the stopped token's start, end and key, 9 sink.

  (func (export "init")
    (param $r i32) (param $t i32) (param $c i32) (param $m i32) (param $h i32) (param $b i32) (param $s i32) (param $x i32)
    (global.set $records (local.get $r))
    (global.set $tags (local.get $t))
    (global.set $recent (local.get $c))
    (global.set $mask (local.get $m))
    (global.set $hidden (local.get $h))
    (global.set $block (local.get $b))
    (global.set $state (local.get $s))
    (global.set $text (local.get $x)))

  ;; The model's tables for `$sumWord` (a pruned, product-quantised model: 16 dimensions in eight
  ;; sub-spaces of two). dict: open addressing by the word's key, word id or -1 (mask dictMask);
  ;; wordAt: per word id, its first unit's index in `units` and its length (two int32s); kept: a
  ;; bit per n-gram bucket kept; keptMap: IntMap entries (key, value pairs; -1 empty; slot = key *
  ;; 0x9e3779b1 >>> keptShift); codes: eight bytes per row; norms: a float32 per row; centroids:
  ;; float32 pairs by (sub-space * 256 + code); bytes and sums: scratch.
  (func (export "initModel")
    (param $d i32) (param $dm i32) (param $wa i32) (param $u i32) (param $nw i32) (param $k i32) (param $km i32)
    (param $kmask i32) (param $kshift i32) (param $c i32) (param $no i32) (param $ce i32) (param $by i32) (param $su i32)
    (param $mn i32) (param $mx i32) (param $bu f64) (param $rl i32)
    (global.set $dict (local.get $d))
    (global.set $dictMask (local.get $dm))
    (global.set $wordAt (local.get $wa))
    (global.set $units (local.get $u))
    (global.set $nwords (local.get $nw))
    (global.set $kept (local.get $k))
    (global.set $keptMap (local.get $km))
    (global.set $keptMask (local.get $kmask))
    (global.set $keptShift (local.get $kshift))
    (global.set $codes (local.get $c))
    (global.set $norms (local.get $no))
    (global.set $centroids (local.get $ce))
    (global.set $bytes (local.get $by))
    (global.set $sums (local.get $su))
    (global.set $rowList (local.get $rl))
    (global.set $minn (local.get $mn))
    (global.set $maxn (local.get $mx))
    (global.set $bucket (local.get $bu))
    (global.set $invBucket (f64.div (f64.const 1) (local.get $bu)))
    (global.set $canSum (i32.const 1)))

  ;; Adds input row `row` to the sums (QuantMatrix.addRow: alpha * centroid, in float64).
  (func $addRow (param $row i32)
    (local $m i32) (local $c i32) (local $alpha f64) (local $base i32) (local $s i32)
    (local.set $alpha (f64.promote_f32 (f32.load (i32.add (global.get $norms) (i32.shl (local.get $row) (i32.const 2))))))
    (local.set $base (i32.add (global.get $codes) (i32.shl (local.get $row) (i32.const 3))))
    (block $done
      (loop $sub
        (br_if $done (i32.ge_u (local.get $m) (i32.const 8)))
        (local.set $c (i32.add (global.get $centroids)
          (i32.shl (i32.add (i32.shl (local.get $m) (i32.const 8)) (i32.load8_u (i32.add (local.get $base) (local.get $m)))) (i32.const 3))))
        (local.set $s (i32.add (global.get $sums) (i32.shl (local.get $m) (i32.const 4))))
        (f64.store (local.get $s) (f64.add (f64.load (local.get $s)) (f64.mul (local.get $alpha) (f64.promote_f32 (f32.load (local.get $c))))))
        (f64.store offset=8 (local.get $s) (f64.add (f64.load offset=8 (local.get $s)) (f64.mul (local.get $alpha) (f64.promote_f32 (f32.load offset=4 (local.get $c))))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $sub))))

  ;; One byte into fastText's FNV-1a: a signed char.
  (func $fnvByte (param $h i32) (param $b i32) (result i32)
    (i32.mul (i32.xor (local.get $h) (select (local.get $b) (i32.or (local.get $b) (i32.const 0xffffff00)) (i32.lt_u (local.get $b) (i32.const 0x80))))
             (i32.const 0x01000193)))

  ;; Appends code point `cp` to the scratch bytes at `n` as UTF-8; returns the new length.
  (func $utf8 (param $n i32) (param $cp i32) (result i32)
    (local $at i32)
    (local.set $at (i32.add (global.get $bytes) (local.get $n)))
    (if (i32.lt_u (local.get $cp) (i32.const 0x80))
      (then (i32.store8 (local.get $at) (local.get $cp)) (return (i32.add (local.get $n) (i32.const 1)))))
    (if (i32.lt_u (local.get $cp) (i32.const 0x800))
      (then
        (i32.store8 (local.get $at) (i32.or (i32.const 0xc0) (i32.shr_u (local.get $cp) (i32.const 6))))
        (i32.store8 offset=1 (local.get $at) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3f))))
        (return (i32.add (local.get $n) (i32.const 2)))))
    (if (i32.lt_u (local.get $cp) (i32.const 0x10000))
      (then
        (i32.store8 (local.get $at) (i32.or (i32.const 0xe0) (i32.shr_u (local.get $cp) (i32.const 12))))
        (i32.store8 offset=1 (local.get $at) (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 6)) (i32.const 0x3f))))
        (i32.store8 offset=2 (local.get $at) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3f))))
        (return (i32.add (local.get $n) (i32.const 3)))))
    (i32.store8 (local.get $at) (i32.or (i32.const 0xf0) (i32.shr_u (local.get $cp) (i32.const 18))))
    (i32.store8 offset=1 (local.get $at) (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 12)) (i32.const 0x3f))))
    (i32.store8 offset=2 (local.get $at) (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 6)) (i32.const 0x3f))))
    (i32.store8 offset=3 (local.get $at) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3f))))
    (i32.add (local.get $n) (i32.const 4)))

  ;; The word text[start, start + len) not in the cache (1 <= len <= 30, not `</s>`): its rows
  ;; summed as Dictionary.addTokenRows and HiddenVector.addUncached do (its own row, then its
  ;; character n-grams in fastText's order; float64 sums rounded to float32), stored in the cache
  ;; as WordSumCache.store does; returns the record.
  (func $sumWord (param $start i32) (param $len i32) (param $key i32) (result i32)
    (local $i i32) (local $end i32) (local $c i32) (local $lo i32) (local $n i32) (local $id i32) (local $rows i32)
    (local $j i32) (local $k i32) (local $h i32) (local $w i32) (local $b i32) (local $hf f64) (local $r f64)
    (local $set i32) (local $way i32) (local $slot i32) (local $rec i32) (local $tp i32)
    (memory.fill (global.get $sums) (i32.const 0) (i32.const 128))
    ;; `<` + UTF-8 + `>` (a lone surrogate becomes U+FFFD).
    (i32.store8 (global.get $bytes) (i32.const 0x3c))
    (local.set $n (i32.const 1))
    (local.set $i (local.get $start))
    (local.set $end (i32.add (local.get $start) (local.get $len)))
    (block $encoded
      (loop $encode
        (br_if $encoded (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $i) (i32.const 1)))))
        (if (i32.eq (i32.and (local.get $c) (i32.const 0xf800)) (i32.const 0xd800))
          (then
            (local.set $lo (i32.const 0))
            (if (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $end))
              (then (local.set $lo (i32.load16_u offset=2 (i32.add (global.get $text) (i32.shl (local.get $i) (i32.const 1)))))))
            (if (i32.and (i32.lt_u (local.get $c) (i32.const 0xdc00)) (i32.eq (i32.and (local.get $lo) (i32.const 0xfc00)) (i32.const 0xdc00)))
              (then
                (local.set $c (i32.add (i32.const 0x10000) (i32.add (i32.shl (i32.sub (local.get $c) (i32.const 0xd800)) (i32.const 10)) (i32.sub (local.get $lo) (i32.const 0xdc00)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1))))
              (else (local.set $c (i32.const 0xfffd))))))
        (local.set $n (call $utf8 (local.get $n) (local.get $c)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $encode)))
    (i32.store8 (i32.add (global.get $bytes) (local.get $n)) (i32.const 0x3e))
    (local.set $n (i32.add (local.get $n) (i32.const 1)))
    ;; Its own row, when the dictionary has the word (Dictionary.find: by key, then length and units).
    (local.set $id (i32.const -1))
    (local.set $slot (i32.and (local.get $key) (global.get $dictMask)))
    (block $looked
      (loop $probe
        (local.set $w (i32.load (i32.add (global.get $dict) (i32.shl (local.get $slot) (i32.const 2)))))
        (br_if $looked (i32.lt_s (local.get $w) (i32.const 0)))
        (if (i32.eq (i32.load offset=4 (i32.add (global.get $wordAt) (i32.shl (local.get $w) (i32.const 3)))) (local.get $len))
          (then
            (local.set $tp (i32.add (global.get $units) (i32.shl (i32.load (i32.add (global.get $wordAt) (i32.shl (local.get $w) (i32.const 3)))) (i32.const 1))))
            (local.set $k (i32.const 0))
            (block $differ
              (loop $cmp
                (if (i32.ge_u (local.get $k) (local.get $len)) (then (local.set $id (local.get $w)) (br $looked)))
                (br_if $differ (i32.ne (i32.load16_u (i32.add (local.get $tp) (i32.shl (local.get $k) (i32.const 1))))
                                       (i32.load16_u (i32.add (global.get $text) (i32.shl (i32.add (local.get $start) (local.get $k)) (i32.const 1))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $cmp)))))
        (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $dictMask)))
        (br $probe)))
    (if (i32.ge_s (local.get $id) (i32.const 0))
      (then (i32.store (global.get $rowList) (local.get $id)) (local.set $rows (i32.const 1))))
    ;; Character n-grams of minn..maxn code points, starting at each code point.
    (local.set $i (i32.const 0))
    (block $ngrams_done
      (loop $starts
        (br_if $ngrams_done (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.ne (i32.and (i32.load8_u (i32.add (global.get $bytes) (local.get $i))) (i32.const 0xc0)) (i32.const 0x80))
          (then
            (local.set $h (i32.const 0x811c9dc5))
            (local.set $j (local.get $i))
            (local.set $k (i32.const 1))
            (block $lengths_done
              (loop $lengths
                (br_if $lengths_done (i32.ge_u (local.get $j) (local.get $n)))
                (br_if $lengths_done (i32.gt_u (local.get $k) (global.get $maxn)))
                ;; One code point's bytes.
                (loop $cp
                  (local.set $h (call $fnvByte (local.get $h) (i32.load8_u (i32.add (global.get $bytes) (local.get $j)))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br_if $cp (i32.and (i32.lt_u (local.get $j) (local.get $n))
                                      (i32.eq (i32.and (i32.load8_u (i32.add (global.get $bytes) (local.get $j))) (i32.const 0xc0)) (i32.const 0x80)))))
                (if (i32.eqz (i32.or (i32.lt_u (local.get $k) (global.get $minn))
                                     (i32.and (i32.eq (local.get $k) (i32.const 1))
                                              (i32.or (i32.eqz (local.get $i)) (i32.eq (local.get $j) (local.get $n))))))
                  (then
                    ;; modBucket(h >>> 0): h - floor(h / bucket) * bucket, the estimate corrected.
                    (local.set $hf (f64.convert_i32_u (local.get $h)))
                    (local.set $r (f64.sub (local.get $hf) (f64.mul (f64.floor (f64.mul (local.get $hf) (global.get $invBucket))) (global.get $bucket))))
                    (if (f64.ge (local.get $r) (global.get $bucket))
                      (then (local.set $r (f64.sub (local.get $r) (global.get $bucket))))
                      (else (if (f64.lt (local.get $r) (f64.const 0)) (then (local.set $r (f64.add (local.get $r) (global.get $bucket)))))))
                    (local.set $b (i32.trunc_f64_s (local.get $r)))
                    (if (i32.and (i32.load8_u (i32.add (global.get $kept) (i32.shr_u (local.get $b) (i32.const 3))))
                                 (i32.shl (i32.const 1) (i32.and (local.get $b) (i32.const 7))))
                      (then
                        ;; IntMap.get(b): Fibonacci hashing, linear probing.
                        (local.set $slot (i32.shr_u (i32.mul (local.get $b) (i32.const 0x9e3779b1)) (global.get $keptShift)))
                        (loop $map
                          (if (i32.ne (i32.load (i32.add (global.get $keptMap) (i32.shl (local.get $slot) (i32.const 3)))) (local.get $b))
                            (then
                              (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $keptMask)))
                              (br $map))))
                        (i32.store (i32.add (global.get $rowList) (i32.shl (local.get $rows) (i32.const 2)))
                          (i32.add (global.get $nwords) (i32.load offset=4 (i32.add (global.get $keptMap) (i32.shl (local.get $slot) (i32.const 3))))))
                        (local.set $rows (i32.add (local.get $rows) (i32.const 1)))))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $lengths)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $starts)))
;; The rows were listed first, then each row's norm and codes are read once (independent
    ;; reads wait for memory together), then the rows are added in the listed order.
    (local.set $k (i32.const 0))
    (local.set $b (i32.const 0))
    (block $touched
      (loop $touch
        (br_if $touched (i32.ge_u (local.get $k) (local.get $rows)))
        (local.set $w (i32.load (i32.add (global.get $rowList) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $b (i32.xor (local.get $b) (i32.xor (i32.load (i32.add (global.get $norms) (i32.shl (local.get $w) (i32.const 2))))
                                                       (i32.load8_u (i32.add (global.get $codes) (i32.shl (local.get $w) (i32.const 3)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $touch)))
    (i32.store offset=36 (global.get $state) (i32.xor (i32.load offset=36 (global.get $state)) (local.get $b)))
    (local.set $k (i32.const 0))
    (block $added
      (loop $add
        (br_if $added (i32.ge_u (local.get $k) (local.get $rows)))
        (call $addRow (i32.load (i32.add (global.get $rowList) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $add)))
    ;; WordSumCache.store: the way used less recently in the word's set.
    (local.set $set (i32.and (local.get $key) (global.get $mask)))
    (local.set $way (i32.xor (i32.load8_u (i32.add (global.get $recent) (local.get $set))) (i32.const 1)))
    (i32.store8 (i32.add (global.get $recent) (local.get $set)) (local.get $way))
    (local.set $slot (i32.add (i32.shl (local.get $set) (i32.const 1)) (local.get $way)))
    (i32.store (i32.add (global.get $tags) (i32.shl (local.get $slot) (i32.const 2))) (local.get $key))
    (local.set $rec (i32.add (global.get $records) (i32.shl (local.get $slot) (i32.const 7))))
    (i32.store (local.get $rec) (i32.or (local.get $len) (i32.shl (local.get $rows) (i32.const 16))))
    (local.set $k (i32.const 0))
    (block $stored
      (loop $floats
        (br_if $stored (i32.ge_u (local.get $k) (i32.const 16)))
        (f32.store offset=4 (i32.add (local.get $rec) (i32.shl (local.get $k) (i32.const 2)))
                   (f32.demote_f64 (f64.load (i32.add (global.get $sums) (i32.shl (local.get $k) (i32.const 3))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $floats)))
    ;; The units two per int, an odd last one with a zero high half.
    (local.set $k (i32.const 0))
    (block $units_stored
      (loop $pairs
        (br_if $units_stored (i32.ge_u (local.get $k) (local.get $len)))
        (i32.store offset=68 (i32.add (local.get $rec) (i32.shl (local.get $k) (i32.const 1)))
          (select
            (i32.load (i32.add (global.get $text) (i32.shl (i32.add (local.get $start) (local.get $k)) (i32.const 1))))
            (i32.load16_u (i32.add (global.get $text) (i32.shl (i32.add (local.get $start) (local.get $k)) (i32.const 1))))
            (i32.lt_u (i32.add (local.get $k) (i32.const 1)) (local.get $len))))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $pairs)))
    (local.get $rec))

  ;; Fills the block with the next tokens from the scan position (at most 128); returns how many.
  (func $scan (result i32)
    (local $pos i32) (local $len i32) (local $count i32) (local $c i32) (local $h i32) (local $start i32) (local $at i32)
    (local.set $pos (i32.load offset=4 (global.get $state)))
    (local.set $len (i32.load offset=0 (global.get $state)))
    (block $full
      (loop $tokens
        (br_if $full (i32.ge_u (local.get $count) (i32.const 128)))
        ;; Separators: space, \t \n \v \f \r and NUL (Dictionary::readWord).
        (block $word
          (loop $skip
            (br_if $full (i32.ge_u (local.get $pos) (local.get $len)))
            (local.set $c (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $pos) (i32.const 1)))))
            (br_if $word (i32.gt_u (local.get $c) (i32.const 32)))
            (br_if $word (i32.eqz (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32))
                                                  (i32.le_u (i32.sub (local.get $c) (i32.const 9)) (i32.const 4)))
                                          (i32.eqz (local.get $c)))))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $skip)))
        (local.set $start (local.get $pos))
        (local.set $h (i32.const 0x811c9dc5))
        (block $end
          (loop $units
            (br_if $end (i32.ge_u (local.get $pos) (local.get $len)))
            (local.set $c (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $pos) (i32.const 1)))))
            (if (i32.le_u (local.get $c) (i32.const 32))
              (then
                (br_if $end (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32))
                                            (i32.le_u (i32.sub (local.get $c) (i32.const 9)) (i32.const 4)))
                                    (i32.eqz (local.get $c))))))
            (local.set $h (i32.mul (i32.xor (local.get $h) (local.get $c)) (i32.const 0x01000193)))
            (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
            (br $units)))
        (local.set $at (i32.add (global.get $block) (i32.shl (local.get $count) (i32.const 2))))
        (i32.store offset=0 (local.get $at) (local.get $start))
        (i32.store offset=512 (local.get $at) (local.get $pos))
        (i32.store offset=1024 (local.get $at) (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 15))))
        (local.set $count (i32.add (local.get $count) (i32.const 1)))
        (br $tokens)))
    (i32.store offset=4 (global.get $state) (local.get $pos))
    (local.get $count))

  ;; Reads both cache lines of the record each of the block's keys may be in.
  (func $warm (param $count i32)
    (local $k i32) (local $key i32) (local $slot i32) (local $rec i32) (local $x i32)
    (block $done
      (loop $keys
        (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $key (i32.load offset=1024 (i32.add (global.get $block) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $slot (i32.shl (i32.and (local.get $key) (global.get $mask)) (i32.const 1)))
        (if (i32.eq (i32.load offset=4 (i32.add (global.get $tags) (i32.shl (local.get $slot) (i32.const 2)))) (local.get $key))
          (then (local.set $slot (i32.add (local.get $slot) (i32.const 1)))))
        (local.set $rec (i32.add (global.get $records) (i32.shl (local.get $slot) (i32.const 7))))
        (local.set $x (i32.xor (local.get $x) (i32.xor (i32.load offset=0 (local.get $rec)) (i32.load offset=64 (local.get $rec)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $keys)))
    (i32.store offset=36 (global.get $state) (i32.xor (i32.load offset=36 (global.get $state)) (local.get $x))))

  ;; Whether the record at $rec holds the word text[start, start + len) (len >= 1).
  (func $holds (param $rec i32) (param $start i32) (param $len i32) (result i32)
    (local $i i32) (local $tp i32) (local $rp i32)
    (if (i32.ne (i32.and (i32.load (local.get $rec)) (i32.const 0xffff)) (local.get $len)) (then (return (i32.const 0))))
    (local.set $tp (i32.add (global.get $text) (i32.shl (local.get $start) (i32.const 1))))
    (local.set $rp (i32.add (local.get $rec) (i32.const 68)))
    ;; Two units at a time; an odd last unit is stored with a zero high half.
    (block $tail
      (loop $pairs
        (br_if $tail (i32.gt_u (i32.add (local.get $i) (i32.const 2)) (local.get $len)))
        (if (i32.ne (i32.load (local.get $tp)) (i32.load (local.get $rp))) (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (local.set $tp (i32.add (local.get $tp) (i32.const 4)))
        (local.set $rp (i32.add (local.get $rp) (i32.const 4)))
        (br $pairs)))
    (if (i32.lt_u (local.get $i) (local.get $len))
      (then (return (i32.eq (i32.load16_u (local.get $tp)) (i32.load (local.get $rp))))))
    (i32.const 1))

  (func (export "run") (result i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $k i32) (local $n i32) (local $at i32) (local $start i32) (local $len i32) (local $key i32)
    (local $set i32) (local $slot i32) (local $rec i32) (local $rows i32) (local $tokens i32) (local $stop i32) (local $first i32)
    (local.set $a0 (v128.load offset=0 (global.get $hidden)))
    (local.set $a1 (v128.load offset=16 (global.get $hidden)))
    (local.set $a2 (v128.load offset=32 (global.get $hidden)))
    (local.set $a3 (v128.load offset=48 (global.get $hidden)))
    (local.set $a4 (v128.load offset=64 (global.get $hidden)))
    (local.set $a5 (v128.load offset=80 (global.get $hidden)))
    (local.set $a6 (v128.load offset=96 (global.get $hidden)))
    (local.set $a7 (v128.load offset=112 (global.get $hidden)))
    (local.set $n (i32.load offset=8 (global.get $state)))
    (local.set $k (i32.load offset=12 (global.get $state)))
    (local.set $rows (i32.load offset=16 (global.get $state)))
    (local.set $tokens (i32.load offset=20 (global.get $state)))
    (block $out
      (loop $blocks
        (if (i32.ge_u (local.get $k) (local.get $n))
          (then
            (br_if $out (i32.ge_u (i32.load offset=4 (global.get $state)) (i32.load offset=0 (global.get $state))))
            (local.set $n (call $scan))
            (local.set $k (i32.const 0))
            (call $warm (local.get $n))))
        (block $next_block
          (loop $tokens_loop
            (br_if $next_block (i32.ge_u (local.get $k) (local.get $n)))
            (local.set $at (i32.add (global.get $block) (i32.shl (local.get $k) (i32.const 2))))
            (local.set $start (i32.load offset=0 (local.get $at)))
            (local.set $len (i32.sub (i32.load offset=512 (local.get $at)) (local.get $start)))
            (local.set $key (i32.load offset=1024 (local.get $at)))
            (local.set $rec (i32.const -1))
            (local.set $first (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $start) (i32.const 1)))))
            ;; 95 = '_'.
            (if (i32.and (i32.le_u (local.get $len) (i32.const 30))
                         (i32.ne (i32.load16_u (i32.add (global.get $text) (i32.shl (local.get $start) (i32.const 1)))) (i32.const 95)))
              (then
                (local.set $set (i32.and (local.get $key) (global.get $mask)))
                (local.set $slot (i32.shl (local.get $set) (i32.const 1)))
                (if (i32.eq (i32.load (i32.add (global.get $tags) (i32.shl (local.get $slot) (i32.const 2)))) (local.get $key))
                  (then
                    (if (call $holds (i32.add (global.get $records) (i32.shl (local.get $slot) (i32.const 7))) (local.get $start) (local.get $len))
                      (then
                        (local.set $rec (i32.add (global.get $records) (i32.shl (local.get $slot) (i32.const 7))))
                        (if (i32.load8_u (i32.add (global.get $recent) (local.get $set)))
                          (then (i32.store8 (i32.add (global.get $recent) (local.get $set)) (i32.const 0))))))))
                (if (i32.lt_s (local.get $rec) (i32.const 0))
                  (then
                    (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
                    (if (i32.eq (i32.load (i32.add (global.get $tags) (i32.shl (local.get $slot) (i32.const 2)))) (local.get $key))
                      (then
                        (if (call $holds (i32.add (global.get $records) (i32.shl (local.get $slot) (i32.const 7))) (local.get $start) (local.get $len))
                          (then
                            (local.set $rec (i32.add (global.get $records) (i32.shl (local.get $slot) (i32.const 7))))
                            (if (i32.eqz (i32.load8_u (i32.add (global.get $recent) (local.get $set))))
                              (then (i32.store8 (i32.add (global.get $recent) (local.get $set)) (i32.const 1))))))))))))
            ;; Not cached: summed here when the model's tables are here (not `</s>`, which has no
            ;; n-grams: 60 = '<'), else by JavaScript.
            (if (i32.and (i32.and (i32.lt_s (local.get $rec) (i32.const 0)) (global.get $canSum))
                         (i32.and (i32.le_u (local.get $len) (i32.const 30))
                                  (i32.and (i32.ne (local.get $first) (i32.const 95))
                                           (i32.or (i32.ne (local.get $len) (i32.const 4)) (i32.ne (local.get $first) (i32.const 60))))))
              (then (local.set $rec (call $sumWord (local.get $start) (local.get $len) (local.get $key)))))
            (if (i32.lt_s (local.get $rec) (i32.const 0))
              (then
                ;; JavaScript adds this one.
                (i32.store offset=24 (global.get $state) (local.get $start))
                (i32.store offset=28 (global.get $state) (i32.add (local.get $start) (local.get $len)))
                (i32.store offset=32 (global.get $state) (local.get $key))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (local.set $stop (i32.const 1))
                (br $out)))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.promote_low_f32x4 (v128.load64_zero offset=4 (local.get $rec)))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.promote_low_f32x4 (v128.load64_zero offset=12 (local.get $rec)))))
            (local.set $a2 (f64x2.add (local.get $a2) (f64x2.promote_low_f32x4 (v128.load64_zero offset=20 (local.get $rec)))))
            (local.set $a3 (f64x2.add (local.get $a3) (f64x2.promote_low_f32x4 (v128.load64_zero offset=28 (local.get $rec)))))
            (local.set $a4 (f64x2.add (local.get $a4) (f64x2.promote_low_f32x4 (v128.load64_zero offset=36 (local.get $rec)))))
            (local.set $a5 (f64x2.add (local.get $a5) (f64x2.promote_low_f32x4 (v128.load64_zero offset=44 (local.get $rec)))))
            (local.set $a6 (f64x2.add (local.get $a6) (f64x2.promote_low_f32x4 (v128.load64_zero offset=52 (local.get $rec)))))
            (local.set $a7 (f64x2.add (local.get $a7) (f64x2.promote_low_f32x4 (v128.load64_zero offset=60 (local.get $rec)))))
            (local.set $rows (i32.add (local.get $rows) (i32.shr_u (i32.load (local.get $rec)) (i32.const 16))))
            (local.set $tokens (i32.add (local.get $tokens) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $tokens_loop)))
        (br $blocks)))
    (v128.store offset=0 (global.get $hidden) (local.get $a0))
    (v128.store offset=16 (global.get $hidden) (local.get $a1))
    (v128.store offset=32 (global.get $hidden) (local.get $a2))
    (v128.store offset=48 (global.get $hidden) (local.get $a3))
    (v128.store offset=64 (global.get $hidden) (local.get $a4))
    (v128.store offset=80 (global.get $hidden) (local.get $a5))
    (v128.store offset=96 (global.get $hidden) (local.get $a6))
    (v128.store offset=112 (global.get $hidden) (local.get $a7))
    (i32.store offset=8 (global.get $state) (local.get $n))
    (i32.store offset=12 (global.get $state) (local.get $k))
    (i32.store offset=16 (global.get $state) (local.get $rows))
    (i32.store offset=20 (global.get $state) (local.get $tokens))
    (local.get $stop)))
