;; fastText's word loop for a text whose words are mostly in the word-sum cache (language ID):
;; the same steps as HiddenVector.addText's JavaScript loop, in WebAssembly SIMD. The text is in
;; this module's memory as UTF-16 units; the cache (word-sum-cache.ts, 16 dimensions, no extra
;; ints) too. Tokens go in blocks of 128: split on fastText's separators and hashed (FNV-1a over
;; units, key = h ^ h >>> 15), the cache record each one's tag points to read once for the block
;; (independent reads wait for memory together), then each found word's float32 sums are added in
;; token order to sixteen float64 accumulators (f64x2 lanes: the same additions, in the same order,
;; as `hidden[d] += sums[d]` in JavaScript, so identical bits).
;;
;; A token the cache cannot answer (not found, longer than 30 units, or starting with '_', maybe a
;; label) stops `run`, which returns 1 with the token in the state; JavaScript adds it (and caches
;; it) into the same memory, and calls `run` again, which goes on with the next token. `run`
;; returns 0 when the text is done.
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
    (local $set i32) (local $slot i32) (local $rec i32) (local $rows i32) (local $tokens i32) (local $stop i32)
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
