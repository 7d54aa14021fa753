;; C4's searches in WebAssembly, over a span of a text that chunk-scan.wat's memory holds (this
;; module imports that memory), so the text is neither copied again nor lowercased as a whole: each
;; unit is lowercased through a table as it is read.
;;
;; find: the bad-words search (c4-badwords.ts, BadWordList.findBounded and matchAt), the same steps
;; as the JavaScript code, so the same entry is found.
;; contains: whether any of a few ASCII phrases occurs in the lowercased span (C4's check for
;; "javascript", the policy phrases and "lorem ipsum" before it locates them); 0 means none does.
;;
;; Per-unit lowercasing equals `toLowerCase` of the whole text except for a few units (U+0130,
;; whose lowercase is two units; the capital sigma, whose lowercase depends on its neighbours;
;; surrogates, outside a few blocks of symbols and emoji). Both leave spans with any of them to
;; JavaScript (`find` returns -2, `contains` 1).
;;
;; Tables (byte offsets, set by `init`): cls, a byte per UTF-16 unit (1: its lowercase is a Python
;; word character; 2: not lowercased alone, see above); lower, the lowercase of each unit (uint16);
;; pairs, a byte per code point of U+1F000-1FBFF (1: not a word character and lowercased to
;; itself, so its surrogate pair is searched here as two non-word units).
;; A list (c4-badwords.ts, BadWordList) is a header of int32 offsets: first and short (a bit per
;; unit), the trie's keys, units and children (open addressing, and the mask), per node the entry
;; ending there (-1 for none), short3 and prefix4 (BadWordList.beginsEntry's filters). At offset
;; 48, `first` for ASCII as 16 bytes: byte `lo` holds bit `hi` for unit `hi * 16 + lo`.
;; Phrases (`contains`): an int32 count, then per phrase 64 bytes: its length (int32, 2 to 30)
;; and its units (lowercase ASCII, uint16).
;; Regenerate text-search-kernel.ts with `npm run build:wasm` (needs wat2wasm from Debian's wabt).
(module
  (import "env" "memory" (memory 1))
  (global $cls (mut i32) (i32.const 0))
  (global $lower (mut i32) (i32.const 0))
  (global $pairs (mut i32) (i32.const 0))
  ;; The list being searched (see `find`).
  (global $first (mut i32) (i32.const 0))
  (global $short (mut i32) (i32.const 0))
  (global $keys (mut i32) (i32.const 0))
  (global $units (mut i32) (i32.const 0))
  (global $children (mut i32) (i32.const 0))
  (global $mask (mut i32) (i32.const 0))
  (global $ends (mut i32) (i32.const 0))
  (global $short3 (mut i32) (i32.const 0))
  (global $prefix4 (mut i32) (i32.const 0))

  (func (export "init") (param $c i32) (param $l i32) (param $p i32)
    (global.set $cls (local.get $c))
    (global.set $lower (local.get $l))
    (global.set $pairs (local.get $p)))

  ;; 1 when every unit of text[start, end) is lowercased alone as in the whole text (see above).
  (func $plain (param $text i32) (param $start i32) (param $end i32) (result i32)
    (local $i i32) (local $c i32) (local $lo i32)
    (local.set $i (local.get $start))
    (loop $units
      ;; Eight ASCII units at a time.
      (if (i32.le_u (i32.add (local.get $i) (i32.const 8)) (local.get $end))
        (then
          (if (i32.eqz (v128.any_true (v128.and (v128.load (i32.add (local.get $text) (i32.shl (local.get $i) (i32.const 1))))
                                                (i16x8.splat (i32.const 0xff80)))))
            (then
              (local.set $i (i32.add (local.get $i) (i32.const 8)))
              (br $units)))))
      (if (i32.ge_u (local.get $i) (local.get $end)) (then (return (i32.const 1))))
      (local.set $c (i32.load16_u (i32.add (local.get $text) (i32.shl (local.get $i) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $units (i32.lt_u (local.get $c) (i32.const 0x80)))
      ;; A high surrogate of U+1F000-1FBFF, then a low one: the pair's code point decides.
      (if (i32.and (i32.le_u (i32.sub (local.get $c) (i32.const 0xd83c)) (i32.const 2)) (i32.lt_u (local.get $i) (local.get $end)))
        (then
          (local.set $lo (i32.load16_u (i32.add (local.get $text) (i32.shl (local.get $i) (i32.const 1)))))
          (if (i32.eq (i32.and (local.get $lo) (i32.const 0xfc00)) (i32.const 0xdc00))
            (then
              (if (i32.eqz (i32.load8_u (i32.add (global.get $pairs)
                    (i32.or (i32.shl (i32.sub (local.get $c) (i32.const 0xd83c)) (i32.const 10)) (i32.sub (local.get $lo) (i32.const 0xdc00))))))
                (then (return (i32.const 0))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $units)))))
      (br_if $units (i32.eqz (i32.and (i32.load8_u (i32.add (global.get $cls) (local.get $c))) (i32.const 2)))))
    (i32.const 0))

;; walk: the entry that starts at `p` and ends at a word end (text[end] and beyond count as
  ;; non-word), or -1: the trie is walked over the lowercased units, and the first entry ending at a
  ;; word end is the answer.
  (func $walk (param $text i32) (param $p i32) (param $end i32) (result i32)
    (local $node i32) (local $q i32) (local $u i32) (local $slot i32) (local $k i32) (local $id i32)
    (local.set $q (local.get $p))
    (block $none
      (loop $walk
        (br_if $none (i32.ge_u (local.get $q) (local.get $end)))
        (local.set $u (i32.load16_u (i32.add (global.get $lower) (i32.shl
                        (i32.load16_u (i32.add (local.get $text) (i32.shl (local.get $q) (i32.const 1)))) (i32.const 1)))))
        (local.set $slot (i32.and (i32.xor (i32.mul (local.get $node) (i32.const 0x9e3779b1)) (i32.mul (local.get $u) (i32.const 0x85ebca6b)))
                                  (global.get $mask)))
        (loop $probe
          (local.set $k (i32.load (i32.add (global.get $keys) (i32.shl (local.get $slot) (i32.const 2)))))
          (br_if $none (i32.eq (local.get $k) (i32.const -1)))
          (if (i32.eqz (i32.and (i32.eq (local.get $k) (local.get $node))
                                (i32.eq (i32.load (i32.add (global.get $units) (i32.shl (local.get $slot) (i32.const 2)))) (local.get $u))))
            (then
              (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (global.get $mask)))
              (br $probe))))
        (local.set $node (i32.load (i32.add (global.get $children) (i32.shl (local.get $slot) (i32.const 2)))))
        (local.set $id (i32.load (i32.add (global.get $ends) (i32.shl (local.get $node) (i32.const 2)))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (if (i32.ge_s (local.get $id) (i32.const 0))
          (then
            (if (i32.ge_u (local.get $q) (local.get $end)) (then (return (local.get $id))))
            (if (i32.eqz (i32.and (i32.load8_u (i32.add (global.get $cls)
                                    (i32.load16_u (i32.add (local.get $text) (i32.shl (local.get $q) (i32.const 1))))))
                                  (i32.const 1)))
              (then (return (local.get $id))))))
        (br $walk)))
    (i32.const -1))

  ;; The first entry found in text[start, end) at a word start and ending at a word end (the
  ;; span's ends count as non-word neighbours), or -1; -2 when the span is not `plain` (JavaScript
  ;; searches it). Sixteen units at a time: the word characters and the candidates, units that
  ;; start some entry right after a non-word unit (a word start, about one unit in six), as bit
  ;; masks: with SIMD for ASCII blocks (lowercased, then looked up in the list's ASCII first-unit
  ;; table), unit by unit for other blocks and the last units. Each candidate must pass
  ;; BadWordList.beginsEntry's filters (unless an entry shorter than three units starts with its
  ;; unit, or fewer than four units are left: one English word start in forty does) before the
  ;; trie is walked. No branch per unit, and no call per candidate (Node 20 does not inline
  ;; WebAssembly calls).
  (func (export "find") (param $list i32) (param $text i32) (param $start i32) (param $end i32) (result i32)
    (local $p i32) (local $id i32) (local $v0 v128) (local $v1 v128) (local $b v128) (local $low v128) (local $firstAscii v128)
    (local $word i32) (local $cand i32) (local $q i32) (local $m i32) (local $i i32) (local $c i32) (local $prevWord i32)
    (local $c0 i32) (local $f i32)
    (global.set $first (i32.load offset=0 (local.get $list)))
    (global.set $short (i32.load offset=4 (local.get $list)))
    (global.set $keys (i32.load offset=8 (local.get $list)))
    (global.set $units (i32.load offset=12 (local.get $list)))
    (global.set $children (i32.load offset=16 (local.get $list)))
    (global.set $mask (i32.load offset=20 (local.get $list)))
    (global.set $ends (i32.load offset=24 (local.get $list)))
    (global.set $short3 (i32.load offset=28 (local.get $list)))
    (global.set $prefix4 (i32.load offset=32 (local.get $list)))
    (local.set $firstAscii (v128.load offset=48 (local.get $list)))
    (if (i32.eqz (call $plain (local.get $text) (local.get $start) (local.get $end))) (then (return (i32.const -2))))
    (local.set $p (local.get $start))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; Units in this block.
        (local.set $m (select (i32.const 16) (i32.sub (local.get $end) (local.get $p))
                              (i32.le_u (i32.add (local.get $p) (i32.const 16)) (local.get $end))))
        (block $masked
          (if (i32.eq (local.get $m) (i32.const 16))
            (then
              (local.set $v0 (v128.load (i32.add (local.get $text) (i32.shl (local.get $p) (i32.const 1)))))
              (local.set $v1 (v128.load offset=16 (i32.add (local.get $text) (i32.shl (local.get $p) (i32.const 1)))))
              (if (i32.eqz (v128.any_true (v128.and (v128.or (local.get $v0) (local.get $v1)) (i16x8.splat (i32.const 0xff80)))))
                (then
                  (local.set $b (i8x16.narrow_i16x8_u (local.get $v0) (local.get $v1)))
                  ;; Lowercase: 'A'-'Z' + 32.
                  (local.set $low (v128.or (local.get $b)
                    (v128.and (i8x16.lt_u (i8x16.sub (local.get $b) (i8x16.splat (i32.const 65))) (i8x16.splat (i32.const 26)))
                              (i8x16.splat (i32.const 0x20)))))
                  ;; Word characters: letters, digits, '_'.
                  (local.set $word (i8x16.bitmask (v128.or (v128.or
                    (i8x16.lt_u (i8x16.sub (local.get $low) (i8x16.splat (i32.const 97))) (i8x16.splat (i32.const 26)))
                    (i8x16.lt_u (i8x16.sub (local.get $b) (i8x16.splat (i32.const 48))) (i8x16.splat (i32.const 10))))
                    (i8x16.eq (local.get $b) (i8x16.splat (i32.const 95))))))
                  ;; Units that start some entry.
                  (local.set $cand (i8x16.bitmask (i8x16.ne
                    (v128.and (i8x16.swizzle (local.get $firstAscii) (v128.and (local.get $low) (i8x16.splat (i32.const 15))))
                              (i8x16.swizzle (v128.const i8x16 1 2 4 8 16 32 64 128 0 0 0 0 0 0 0 0) (i8x16.shr_u (local.get $low) (i32.const 4))))
                    (v128.const i64x2 0 0))))
                  (br $masked)))))
          ;; Unit by unit: a word character per `cls`, an entry start per the list's `first` bits.
          (local.set $word (i32.const 0))
          (local.set $cand (i32.const 0))
          (local.set $i (i32.const 0))
          (loop $unit
            (local.set $c (i32.load16_u (i32.add (local.get $text) (i32.shl (i32.add (local.get $p) (local.get $i)) (i32.const 1)))))
            (local.set $word (i32.or (local.get $word)
              (i32.shl (i32.and (i32.load8_u (i32.add (global.get $cls) (local.get $c))) (i32.const 1)) (local.get $i))))
            (local.set $c (i32.load16_u (i32.add (global.get $lower) (i32.shl (local.get $c) (i32.const 1)))))
            (local.set $cand (i32.or (local.get $cand)
              (i32.shl (i32.and (i32.shr_u (i32.load8_u (i32.add (global.get $first) (i32.shr_u (local.get $c) (i32.const 3))))
                                           (i32.and (local.get $c) (i32.const 7)))
                                (i32.const 1))
                       (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $unit (i32.lt_u (local.get $i) (local.get $m)))))
        ;; Only after a non-word unit.
        (local.set $cand (i32.and (local.get $cand)
          (i32.xor (i32.or (i32.shl (local.get $word) (i32.const 1)) (local.get $prevWord)) (i32.const 0xffff))))
        (block $checked
          (loop $candidates
            (br_if $checked (i32.eqz (local.get $cand)))
            (local.set $q (i32.add (local.get $p) (i32.ctz (local.get $cand))))
            (local.set $cand (i32.and (local.get $cand) (i32.sub (local.get $cand) (i32.const 1))))
            (local.set $c0 (i32.load16_u (i32.add (global.get $lower) (i32.shl
                     (i32.load16_u offset=0 (i32.add (local.get $text) (i32.shl (local.get $q) (i32.const 1)))) (i32.const 1)))))
            (if (i32.and (i32.eqz (i32.and (i32.load8_u (i32.add (global.get $short) (i32.shr_u (local.get $c0) (i32.const 3))))
                                           (i32.shl (i32.const 1) (i32.and (local.get $c0) (i32.const 7)))))
                         (i32.lt_u (i32.add (local.get $q) (i32.const 3)) (local.get $end)))
              (then
                ;; fold3 of the first three lowercase units (five low bits each), then fold4 with the fourth.
                (local.set $f (i32.or (i32.or
                  (i32.shl (i32.and (local.get $c0) (i32.const 31)) (i32.const 10))
                  (i32.shl (i32.and (i32.load16_u (i32.add (global.get $lower) (i32.shl
                     (i32.load16_u offset=2 (i32.add (local.get $text) (i32.shl (local.get $q) (i32.const 1)))) (i32.const 1)))) (i32.const 31)) (i32.const 5)))
                  (i32.and (i32.load16_u (i32.add (global.get $lower) (i32.shl
                     (i32.load16_u offset=4 (i32.add (local.get $text) (i32.shl (local.get $q) (i32.const 1)))) (i32.const 1)))) (i32.const 31))))
                (if (i32.eqz (i32.and (i32.load8_u (i32.add (global.get $short3) (i32.shr_u (local.get $f) (i32.const 3))))
                                      (i32.shl (i32.const 1) (i32.and (local.get $f) (i32.const 7)))))
                  (then
                    (local.set $f (i32.xor (i32.shl (local.get $f) (i32.const 1)) (i32.and (i32.load16_u (i32.add (global.get $lower) (i32.shl
                     (i32.load16_u offset=6 (i32.add (local.get $text) (i32.shl (local.get $q) (i32.const 1)))) (i32.const 1)))) (i32.const 31))))
                    (br_if $candidates (i32.eqz (i32.and (i32.load8_u (i32.add (global.get $prefix4) (i32.shr_u (local.get $f) (i32.const 3))))
                                                         (i32.shl (i32.const 1) (i32.and (local.get $f) (i32.const 7))))))))))
            (local.set $id (call $walk (local.get $text) (local.get $q) (local.get $end)))
            (if (i32.ge_s (local.get $id) (i32.const 0)) (then (return (local.get $id))))
            (br $candidates)))
        (local.set $prevWord (i32.and (i32.shr_u (local.get $word) (i32.sub (local.get $m) (i32.const 1))) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (local.get $m)))
        (br $blocks)))
    (i32.const -1))

  ;; Whether phrase `k` of the table at `phrases` occurs at text[q..] (q + its length <= end).
  (func $phraseAt (param $phrases i32) (param $k i32) (param $text i32) (param $q i32) (result i32)
    (local $rec i32) (local $len i32) (local $i i32)
    (local.set $rec (i32.add (i32.add (local.get $phrases) (i32.const 4)) (i32.shl (local.get $k) (i32.const 6))))
    (local.set $len (i32.load (local.get $rec)))
    (block $differ
      (loop $units
        (if (i32.ge_u (local.get $i) (local.get $len)) (then (return (i32.const 1))))
        (br_if $differ (i32.ne (i32.load16_u offset=4 (i32.add (local.get $rec) (i32.shl (local.get $i) (i32.const 1))))
                               (i32.load16_u (i32.add (global.get $lower) (i32.shl
                                 (i32.load16_u (i32.add (local.get $text) (i32.shl (i32.add (local.get $q) (local.get $i)) (i32.const 1))))
                                 (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $units)))
    (i32.const 0))

  ;; 1 when a phrase of the table at `phrases` may occur in the lowercased text[start, end): it
  ;; does, or the span is not `plain`; 0 when none does. Sixteen start positions at a time: a
  ;; position is a candidate for a phrase when the units there and at its last unit's place are
  ;; the phrase's first and last (SIMD compares); candidates are compared in full.
  ;; Sixteen units at a time become bytes, ASCII lowercased; units past ASCII become 0xff (no
  ;; phrase unit), so a block that holds any is still searched right where it matters. (Written
  ;; out at both places: Node 20 does not inline WebAssembly calls, and one per phrase per block
  ;; cost as much as the search.)
  (func (export "contains") (param $phrases i32) (param $text i32) (param $start i32) (param $end i32) (result i32)
    (local $count i32) (local $k i32) (local $rec i32) (local $len i32) (local $longest i32) (local $p i32) (local $q i32)
    (local $first v128) (local $cand i32) (local $bits i32)
    (local $nb v128) (local $addr i32)
    (if (i32.eqz (call $plain (local.get $text) (local.get $start) (local.get $end))) (then (return (i32.const 1))))
    (local.set $count (i32.load (local.get $phrases)))
    (loop $lengths
      (if (i32.lt_u (local.get $k) (local.get $count))
        (then
          (local.set $len (i32.load (i32.add (i32.add (local.get $phrases) (i32.const 4)) (i32.shl (local.get $k) (i32.const 6)))))
          (if (i32.gt_u (local.get $len) (local.get $longest)) (then (local.set $longest (local.get $len))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $lengths))))
    (local.set $p (local.get $start))
    ;; Blocks whose every phrase fits inside the span (its last unit read at p + 15 + longest - 1).
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.gt_u (i32.add (i32.add (local.get $p) (i32.const 15)) (local.get $longest)) (local.get $end)))
        (local.set $first (v128.or (local.tee $nb (i8x16.narrow_i16x8_u
              (v128.load (local.tee $addr (i32.add (local.get $text) (i32.shl (local.get $p) (i32.const 1)))))
              (v128.load offset=16 (local.get $addr))))
            (v128.and (i8x16.lt_u (i8x16.sub (local.get $nb) (i8x16.splat (i32.const 65))) (i8x16.splat (i32.const 26)))
                      (i8x16.splat (i32.const 0x20)))))
        (local.set $k (i32.const 0))
        (loop $each
          (local.set $rec (i32.add (i32.add (local.get $phrases) (i32.const 4)) (i32.shl (local.get $k) (i32.const 6))))
          (local.set $len (i32.load (local.get $rec)))
          (local.set $cand (i8x16.bitmask (v128.and
            (i8x16.eq (local.get $first) (i8x16.splat (i32.load16_u offset=4 (local.get $rec))))
            (i8x16.eq (v128.or (local.tee $nb (i8x16.narrow_i16x8_u
              (v128.load (local.tee $addr (i32.add (local.get $text) (i32.shl (i32.add (local.get $p) (i32.sub (local.get $len) (i32.const 1))) (i32.const 1)))))
              (v128.load offset=16 (local.get $addr))))
            (v128.and (i8x16.lt_u (i8x16.sub (local.get $nb) (i8x16.splat (i32.const 65))) (i8x16.splat (i32.const 26)))
                      (i8x16.splat (i32.const 0x20))))
                      (i8x16.splat (i32.load16_u offset=2 (i32.add (local.get $rec) (i32.shl (local.get $len) (i32.const 1)))))))))
          (block $checked
            (loop $candidates
              (br_if $checked (i32.eqz (local.get $cand)))
              (if (call $phraseAt (local.get $phrases) (local.get $k) (local.get $text) (i32.add (local.get $p) (i32.ctz (local.get $cand))))
                (then (return (i32.const 1))))
              (local.set $cand (i32.and (local.get $cand) (i32.sub (local.get $cand) (i32.const 1))))
              (br $candidates)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $each (i32.lt_u (local.get $k) (local.get $count))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $blocks)))
    ;; The last positions one at a time.
    (block $done
      (loop $positions
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $k (i32.const 0))
        (loop $each_tail
          (if (i32.lt_u (local.get $k) (local.get $count))
            (then
              (if (i32.le_u (i32.add (local.get $p) (i32.load (i32.add (i32.add (local.get $phrases) (i32.const 4)) (i32.shl (local.get $k) (i32.const 6)))))
                            (local.get $end))
                (then (if (call $phraseAt (local.get $phrases) (local.get $k) (local.get $text) (local.get $p)) (then (return (i32.const 1))))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br $each_tail))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $positions)))
    (i32.const 0)))
