;; The MinHash kernel in WebAssembly SIMD: the same arithmetic as MinHasher's JavaScript kernel
;; (minhash.ts), four permutations per 128-bit lane group. For every shingle x and permutation i,
;; v = a_i * x + b_i wrapping at 32 bits (i32x4.mul and i32x4.add wrap exactly like Math.imul and
;; `| 0`), and the signature keeps the signed minimum (i32x4.min_s, the JS kernel's `<`); the
;; result is stored as min ^ 0x80000000. Integer only: identical bits to the JS kernel on every
;; machine.
;;
;; minimise(sh, n, a, b, out, groups): `sh` holds n int32 shingle hashes; `a`, `b` and `out` hold
;; 4 * groups int32 each (byte offsets into this module's memory). Sixteen permutations share one
;; pass over the shingles (one load and splat for sixteen multiply-adds); a last pass takes four.
;; Regenerate minhash-kernel.ts with `npm run build:wasm` (needs wat2wasm from Debian's wabt).
(module
  (memory (export "memory") 1)
  (func (export "minimise")
    (param $sh i32) (param $n i32) (param $a i32) (param $b i32) (param $out i32) (param $groups i32)
    (local $g i32) (local $off i32) (local $p i32) (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $x v128) (local $sign v128) (local $max v128)
    (local.set $sign (i32x4.splat (i32.const 0x80000000)))
    (local.set $max (i32x4.splat (i32.const 0x7fffffff)))
    (local.set $end (i32.add (local.get $sh) (i32.shl (local.get $n) (i32.const 2))))
    ;; Sixteen permutations (four groups) per pass.
    (block $done16
      (loop $pass16
        (br_if $done16 (i32.gt_u (i32.add (local.get $g) (i32.const 4)) (local.get $groups)))
        (local.set $off (i32.shl (local.get $g) (i32.const 4)))
        (local.set $a0 (v128.load offset=0 (i32.add (local.get $a) (local.get $off))))
        (local.set $a1 (v128.load offset=16 (i32.add (local.get $a) (local.get $off))))
        (local.set $a2 (v128.load offset=32 (i32.add (local.get $a) (local.get $off))))
        (local.set $a3 (v128.load offset=48 (i32.add (local.get $a) (local.get $off))))
        (local.set $b0 (v128.load offset=0 (i32.add (local.get $b) (local.get $off))))
        (local.set $b1 (v128.load offset=16 (i32.add (local.get $b) (local.get $off))))
        (local.set $b2 (v128.load offset=32 (i32.add (local.get $b) (local.get $off))))
        (local.set $b3 (v128.load offset=48 (i32.add (local.get $b) (local.get $off))))
        (local.set $m0 (local.get $max))
        (local.set $m1 (local.get $max))
        (local.set $m2 (local.get $max))
        (local.set $m3 (local.get $max))
        (local.set $p (local.get $sh))
        (block $done
          (loop $shingle
            (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $x (v128.load32_splat (local.get $p)))
            (local.set $m0 (i32x4.min_s (local.get $m0) (i32x4.add (i32x4.mul (local.get $a0) (local.get $x)) (local.get $b0))))
            (local.set $m1 (i32x4.min_s (local.get $m1) (i32x4.add (i32x4.mul (local.get $a1) (local.get $x)) (local.get $b1))))
            (local.set $m2 (i32x4.min_s (local.get $m2) (i32x4.add (i32x4.mul (local.get $a2) (local.get $x)) (local.get $b2))))
            (local.set $m3 (i32x4.min_s (local.get $m3) (i32x4.add (i32x4.mul (local.get $a3) (local.get $x)) (local.get $b3))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $shingle)))
        (v128.store offset=0 (i32.add (local.get $out) (local.get $off)) (v128.xor (local.get $m0) (local.get $sign)))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $off)) (v128.xor (local.get $m1) (local.get $sign)))
        (v128.store offset=32 (i32.add (local.get $out) (local.get $off)) (v128.xor (local.get $m2) (local.get $sign)))
        (v128.store offset=48 (i32.add (local.get $out) (local.get $off)) (v128.xor (local.get $m3) (local.get $sign)))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (br $pass16)))
    ;; The remaining groups, four permutations per pass.
    (block $done4
      (loop $pass4
        (br_if $done4 (i32.ge_u (local.get $g) (local.get $groups)))
        (local.set $off (i32.shl (local.get $g) (i32.const 4)))
        (local.set $a0 (v128.load (i32.add (local.get $a) (local.get $off))))
        (local.set $b0 (v128.load (i32.add (local.get $b) (local.get $off))))
        (local.set $m0 (local.get $max))
        (local.set $p (local.get $sh))
        (block $done
          (loop $shingle
            (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $x (v128.load32_splat (local.get $p)))
            (local.set $m0 (i32x4.min_s (local.get $m0) (i32x4.add (i32x4.mul (local.get $a0) (local.get $x)) (local.get $b0))))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (br $shingle)))
        (v128.store (i32.add (local.get $out) (local.get $off)) (v128.xor (local.get $m0) (local.get $sign)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $pass4)))))
