;; Quantscope's hot loops in WebAssembly (SIMD where it pays): a histogram's extent and bin counts
;; (calibration: every activation value of every image), the two passes of the Lanczos resampler (every
;; image), and the entropy and MSE calibrators' searches (every tensor, for every point of a calibration-size
;; curve). Each kernel computes exactly what its JavaScript twin in histogram.ts / resize.ts / calibrators.ts
;; computes, in the same order with the same arithmetic, so results are bit-identical; tests hold them to that.
;; Compiled by scripts/build-kernels.ts into kernels-wasm.ts; memory layout is the caller's (kernels.ts).
(module
  (memory (export "memory") 1)

  ;; extent(p, n): min and max of the n f32 at p, NaN ignored (Infinity, -Infinity when none), into lo/hi;
  ;; how many are NaN into nan.
  (global $lo (export "lo") (mut f32) (f32.const inf))
  (global $hi (export "hi") (mut f32) (f32.const -inf))
  (global $nan (export "nan") (mut i32) (i32.const 0))
  (func (export "extent") (param $p i32) (param $n i32)
    (local $end i32) (local $end4 i32) (local $v v128) (local $vlo v128) (local $vhi v128)
    (local $x f32) (local $lo f32) (local $hi f32) (local $vnan v128) (local $nan i32)
    (local.set $vlo (f32x4.splat (f32.const inf)))
    (local.set $vhi (f32x4.splat (f32.const -inf)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end4)))
        (local.set $v (v128.load (local.get $p)))
        ;; pmin(a, b) = b < a ? b : a: a NaN never compares less, so it never replaces the running extreme
        (local.set $vlo (f32x4.pmin (local.get $vlo) (local.get $v)))
        (local.set $vhi (f32x4.pmax (local.get $vhi) (local.get $v)))
        ;; a NaN lane's mask is −1: subtracting counts it
        (local.set $vnan (i32x4.sub (local.get $vnan) (f32x4.ne (local.get $v) (local.get $v))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (local.set $lo (f32x4.extract_lane 0 (local.get $vlo)))
    (local.set $hi (f32x4.extract_lane 0 (local.get $vhi)))
    (local.set $nan (i32.add (i32.add (i32x4.extract_lane 0 (local.get $vnan)) (i32x4.extract_lane 1 (local.get $vnan)))
      (i32.add (i32x4.extract_lane 2 (local.get $vnan)) (i32x4.extract_lane 3 (local.get $vnan)))))
    (local.set $x (f32x4.extract_lane 1 (local.get $vlo)))
    (local.set $lo (select (local.get $x) (local.get $lo) (f32.lt (local.get $x) (local.get $lo))))
    (local.set $x (f32x4.extract_lane 2 (local.get $vlo)))
    (local.set $lo (select (local.get $x) (local.get $lo) (f32.lt (local.get $x) (local.get $lo))))
    (local.set $x (f32x4.extract_lane 3 (local.get $vlo)))
    (local.set $lo (select (local.get $x) (local.get $lo) (f32.lt (local.get $x) (local.get $lo))))
    (local.set $x (f32x4.extract_lane 1 (local.get $vhi)))
    (local.set $hi (select (local.get $x) (local.get $hi) (f32.gt (local.get $x) (local.get $hi))))
    (local.set $x (f32x4.extract_lane 2 (local.get $vhi)))
    (local.set $hi (select (local.get $x) (local.get $hi) (f32.gt (local.get $x) (local.get $hi))))
    (local.set $x (f32x4.extract_lane 3 (local.get $vhi)))
    (local.set $hi (select (local.get $x) (local.get $hi) (f32.gt (local.get $x) (local.get $hi))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (f32.load (local.get $p)))
        (local.set $lo (select (local.get $x) (local.get $lo) (f32.lt (local.get $x) (local.get $lo))))
        (local.set $hi (select (local.get $x) (local.get $hi) (f32.gt (local.get $x) (local.get $hi))))
        (local.set $nan (i32.add (local.get $nan) (f32.ne (local.get $x) (local.get $x))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $next)))
    (global.set $lo (local.get $lo))
    (global.set $hi (local.get $hi))
    (global.set $nan (local.get $nan))
  )

  ;; count(c, m, p, n, inv, first): adds 1 to bin floor(x·inv) − first of the i32 count array of m bins at c for
  ;; each of the n f32 at p. The caller guarantees every bin is in [0, m) (the data's extent sets the span) and
  ;; that there is no NaN (extent counts them); an index is still clamped to the array, so memory outside it is
  ;; never written whatever the input.
  (func (export "count") (param $c i32) (param $m i32) (param $p i32) (param $n i32) (param $inv f64) (param $first f64)
    (local $end i32) (local $end4 i32) (local $last i32) (local $k i32) (local $a i32)
    (local $v v128) (local $vinv v128) (local $vfirst v128) (local $vk v128) (local $vm v128) (local $vlast v128) (local $vc v128)
    (local.set $last (i32.sub (local.get $m) (i32.const 1)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (local.set $vinv (f64x2.splat (local.get $inv)))
    (local.set $vfirst (f64x2.splat (local.get $first)))
    (local.set $vm (i32x4.splat (local.get $m)))
    (local.set $vlast (i32x4.splat (local.get $last)))
    (local.set $vc (i32x4.splat (local.get $c)))
    ;; Four values at a time: their bins computed in f64x2 pairs exactly as below, then counted one by one.
    (block $done4
      (loop $next4
        (br_if $done4 (i32.ge_u (local.get $p) (local.get $end4)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $vk (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (i32x4.trunc_sat_f64x2_s_zero (f64x2.sub (f64x2.floor (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (local.get $vinv))) (local.get $vfirst)))
          (i32x4.trunc_sat_f64x2_s_zero (f64x2.sub (f64x2.floor (f64x2.mul
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $vinv))) (local.get $vfirst)))))
        ;; a bin outside [0, m) goes to the last (never happens: the extent sets the span), as below
        (local.set $vk (v128.bitselect (local.get $vk) (local.get $vlast) (i32x4.lt_u (local.get $vk) (local.get $vm))))
        (local.set $vk (i32x4.add (local.get $vc) (i32x4.shl (local.get $vk) (i32.const 2))))
        (local.set $a (i32x4.extract_lane 0 (local.get $vk)))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $a (i32x4.extract_lane 1 (local.get $vk)))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $a (i32x4.extract_lane 2 (local.get $vk)))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $a (i32x4.extract_lane 3 (local.get $vk)))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $k (i32.trunc_sat_f64_s (f64.sub (f64.floor (f64.mul (f64.promote_f32 (f32.load (local.get $p))) (local.get $inv))) (local.get $first))))
        (local.set $k (select (local.get $k) (local.get $last) (i32.lt_u (local.get $k) (local.get $m))))
        (local.set $a (i32.add (local.get $c) (i32.shl (local.get $k) (i32.const 2))))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $next)))
  )

  ;; horizontal(src, rowBase, channels, start, count, weights, maxTaps, mid, outW): one source row of u8
  ;; pixels through the horizontal taps (start/count i32 per output sample, weights f32 maxTaps apart) into
  ;; outW r, g, b f32 at mid; each channel sums w·pixel in tap order in f64, as resize.ts does.
  (func (export "horizontal") (param $src i32) (param $rowBase i32) (param $channels i32) (param $start i32) (param $count i32)
    (param $weights i32) (param $maxTaps i32) (param $mid i32) (param $outW i32)
    (local $x i32) (local $j i32) (local $n i32) (local $p i32) (local $wp i32) (local $w f64)
    (local $r f64) (local $g f64) (local $b f64)
    (block $rows
      (loop $nextX
        (br_if $rows (i32.ge_u (local.get $x) (local.get $outW)))
        (local.set $r (f64.const 0))
        (local.set $g (f64.const 0))
        (local.set $b (f64.const 0))
        (local.set $n (i32.load (i32.add (local.get $count) (i32.shl (local.get $x) (i32.const 2)))))
        (local.set $wp (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $x) (local.get $maxTaps)) (i32.const 2))))
        (local.set $p (i32.add (i32.add (local.get $src) (local.get $rowBase))
          (i32.mul (i32.load (i32.add (local.get $start) (i32.shl (local.get $x) (i32.const 2)))) (local.get $channels))))
        (local.set $j (i32.const 0))
        (block $taps
          (loop $nextJ
            (br_if $taps (i32.ge_s (local.get $j) (local.get $n)))
            (local.set $w (f64.promote_f32 (f32.load (local.get $wp))))
            (local.set $r (f64.add (local.get $r) (f64.mul (local.get $w) (f64.convert_i32_u (i32.load8_u offset=0 (local.get $p))))))
            (local.set $g (f64.add (local.get $g) (f64.mul (local.get $w) (f64.convert_i32_u (i32.load8_u offset=1 (local.get $p))))))
            (local.set $b (f64.add (local.get $b) (f64.mul (local.get $w) (f64.convert_i32_u (i32.load8_u offset=2 (local.get $p))))))
            (local.set $p (i32.add (local.get $p) (local.get $channels)))
            (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $nextJ)))
        (f32.store offset=0 (local.get $mid) (f32.demote_f64 (local.get $r)))
        (f32.store offset=4 (local.get $mid) (f32.demote_f64 (local.get $g)))
        (f32.store offset=8 (local.get $mid) (f32.demote_f64 (local.get $b)))
        (local.set $mid (i32.add (local.get $mid) (i32.const 12)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $nextX)))
  )

  ;; accumulate(acc, mid, n, w): acc[i] += w · mid[i] for n f64 acc and f32 mid (n even), two at a time.
  (func (export "accumulate") (param $acc i32) (param $mid i32) (param $n i32) (param $w f64)
    (local $end i32) (local $vw v128)
    (local.set $vw (f64x2.splat (local.get $w)))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
        (v128.store (local.get $acc)
          (f64x2.add (v128.load (local.get $acc))
            (f64x2.mul (local.get $vw) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $mid))))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
        (local.set $mid (i32.add (local.get $mid) (i32.const 8)))
        (br $next)))
  )

  ;; round(out, acc, n): out[i] = acc[i] clamped to [0, 255] and rounded half up (JavaScript's Math.round).
  (func (export "round") (param $out i32) (param $acc i32) (param $n i32)
    (local $end i32) (local $a f64) (local $f f64)
    (local.set $end (i32.add (local.get $out) (local.get $n)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $a (f64.load (local.get $acc)))
        (local.set $f (f64.floor (local.get $a)))
        ;; a − floor(a) is exact, so this is Math.round's half-up rule
        (local.set $f (f64.add (local.get $f) (select (f64.const 1) (f64.const 0) (f64.ge (f64.sub (local.get $a) (local.get $f)) (f64.const 0.5)))))
        (i32.store8 (local.get $out)
          (select (i32.const 0)
            (select (i32.const 255) (i32.trunc_sat_f64_u (local.get $f)) (f64.ge (local.get $a) (f64.const 255)))
            (f64.le (local.get $a) (f64.const 0))))
        (local.set $acc (i32.add (local.get $acc) (i32.const 8)))
        (local.set $out (i32.add (local.get $out) (i32.const 1)))
        (br $next)))
  )
  ;; levelsum(table, stride, i, levels, shift): the entropy search's sum over the levels j = 0 .. L-2 of
  ;; candidate i of table[start * stride + end - 1] (f64 at table), level j spanning bins floor(j i / L) to
  ;; floor((j + 1) i / L) with L = 2^shift. Level j goes into sum j mod 4, then (s0 + s1) + (s2 + s3), as
  ;; calibrators.ts's levelsSLnVTable does. Returns the sum; the last level's start is left in the global start.
  (global $start (export "start") (mut i32) (i32.const 0))
  (func (export "levelsum") (param $table i32) (param $stride i32) (param $i i32) (param $levels i32) (param $shift i32) (result f64)
    (local $ji i32) (local $stop i32) (local $start i32) (local $e0 i32) (local $e1 i32) (local $e2 i32) (local $e3 i32)
    (local $s0 f64) (local $s1 f64) (local $s2 f64) (local $s3 f64)
    (local.set $ji (local.get $i))
    (local.set $stop (i32.mul (local.get $levels) (local.get $i)))
    ;; four levels at a time while four remain (ji is level j's end, (j + 1) i)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (i32.add (local.get $ji) (i32.mul (local.get $i) (i32.const 3))) (local.get $stop)))
        (local.set $e0 (i32.shr_s (local.get $ji) (local.get $shift)))
        (local.set $e1 (i32.shr_s (i32.add (local.get $ji) (local.get $i)) (local.get $shift)))
        (local.set $e2 (i32.shr_s (i32.add (local.get $ji) (i32.shl (local.get $i) (i32.const 1))) (local.get $shift)))
        (local.set $e3 (i32.shr_s (i32.add (local.get $ji) (i32.mul (local.get $i) (i32.const 3))) (local.get $shift)))
        (local.set $s0 (f64.add (local.get $s0) (f64.load (i32.add (local.get $table)
          (i32.shl (i32.sub (i32.add (i32.mul (local.get $start) (local.get $stride)) (local.get $e0)) (i32.const 1)) (i32.const 3))))))
        (local.set $s1 (f64.add (local.get $s1) (f64.load (i32.add (local.get $table)
          (i32.shl (i32.sub (i32.add (i32.mul (local.get $e0) (local.get $stride)) (local.get $e1)) (i32.const 1)) (i32.const 3))))))
        (local.set $s2 (f64.add (local.get $s2) (f64.load (i32.add (local.get $table)
          (i32.shl (i32.sub (i32.add (i32.mul (local.get $e1) (local.get $stride)) (local.get $e2)) (i32.const 1)) (i32.const 3))))))
        (local.set $s3 (f64.add (local.get $s3) (f64.load (i32.add (local.get $table)
          (i32.shl (i32.sub (i32.add (i32.mul (local.get $e2) (local.get $stride)) (local.get $e3)) (i32.const 1)) (i32.const 3))))))
        (local.set $start (local.get $e3))
        (local.set $ji (i32.add (local.get $ji) (i32.shl (local.get $i) (i32.const 2))))
        (br $next)))
    ;; the last 0-3 levels: j mod 4 is 0, 1, 2 for them
    (if (i32.lt_s (local.get $ji) (local.get $stop))
      (then
        (local.set $e0 (i32.shr_s (local.get $ji) (local.get $shift)))
        (local.set $s0 (f64.add (local.get $s0) (f64.load (i32.add (local.get $table)
          (i32.shl (i32.sub (i32.add (i32.mul (local.get $start) (local.get $stride)) (local.get $e0)) (i32.const 1)) (i32.const 3))))))
        (local.set $start (local.get $e0))
        (local.set $ji (i32.add (local.get $ji) (local.get $i)))))
    (if (i32.lt_s (local.get $ji) (local.get $stop))
      (then
        (local.set $e0 (i32.shr_s (local.get $ji) (local.get $shift)))
        (local.set $s1 (f64.add (local.get $s1) (f64.load (i32.add (local.get $table)
          (i32.shl (i32.sub (i32.add (i32.mul (local.get $start) (local.get $stride)) (local.get $e0)) (i32.const 1)) (i32.const 3))))))
        (local.set $start (local.get $e0))
        (local.set $ji (i32.add (local.get $ji) (local.get $i)))))
    (if (i32.lt_s (local.get $ji) (local.get $stop))
      (then
        (local.set $e0 (i32.shr_s (local.get $ji) (local.get $shift)))
        (local.set $s2 (f64.add (local.get $s2) (f64.load (i32.add (local.get $table)
          (i32.shl (i32.sub (i32.add (i32.mul (local.get $start) (local.get $stride)) (local.get $e0)) (i32.const 1)) (i32.const 3))))))
        (local.set $start (local.get $e0))))
    (global.set $start (local.get $start))
    (f64.add (f64.add (local.get $s0) (local.get $s1)) (f64.add (local.get $s2) (local.get $s3)))
  )

  ;; sqerr(xs, cs, n, scale, zp, qmin, qmax): sum of c (x - dq(q(x)))^2 over n f64 bin centres x at xs and counts c
  ;; at cs, as calibrators.ts's squaredErrorSum: q = clamp(roundHalfEven(f32(f32(x) / scale)) + zp), dq =
  ;; f32(scale (q - zp)); bin k into sum k mod 2, then sum 0 + sum 1. Four bins at a time: the f32 steps in one
  ;; f32x4, the f64 ones in two f64x2 whose lanes are the two sums (bins 4m, 4m+2 into lane 0 in that order).
  (func (export "sqerr") (param $xs i32) (param $cs i32) (param $n i32) (param $scale f32) (param $zp f64) (param $qmin f64) (param $qmax f64) (result f64)
    (local $end i32) (local $end4 i32) (local $k i32) (local $x f64) (local $q f64) (local $d f64) (local $e0 f64) (local $e1 f64)
    (local $x01 v128) (local $x23 v128) (local $qf v128) (local $q01 v128) (local $q23 v128) (local $acc v128)
    (local $vscale v128) (local $vscale64 v128) (local $vzp v128) (local $vqmin v128) (local $vqmax v128)
    (local.set $vscale (f32x4.splat (local.get $scale)))
    (local.set $vscale64 (f64x2.splat (f64.promote_f32 (local.get $scale))))
    (local.set $vzp (f64x2.splat (local.get $zp)))
    (local.set $vqmin (f64x2.splat (local.get $qmin)))
    (local.set $vqmax (f64x2.splat (local.get $qmax)))
    (local.set $end (i32.add (local.get $xs) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $end4 (i32.add (local.get $xs) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 3))))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.ge_u (local.get $xs) (local.get $end4)))
        (local.set $x01 (v128.load offset=0 (local.get $xs)))
        (local.set $x23 (v128.load offset=16 (local.get $xs)))
        ;; f32(x) for the four bins, divided by the f32 scale (an f32 division: what rounding the f64 quotient of
        ;; two f32 values to f32 gives), rounded half to even
        (local.set $qf (f32x4.nearest (f32x4.div
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $x01)) (f32x4.demote_f64x2_zero (local.get $x23)))
          (local.get $vscale))))
        (local.set $q01 (f64x2.add (f64x2.promote_low_f32x4 (local.get $qf)) (local.get $vzp)))
        (local.set $q23 (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $qf) (local.get $qf))) (local.get $vzp)))
        ;; q < qmin ? qmin : q > qmax ? qmax : q, as the scalar code (a NaN stays NaN)
        (local.set $q01 (v128.bitselect (local.get $vqmin) (local.get $q01) (f64x2.lt (local.get $q01) (local.get $vqmin))))
        (local.set $q01 (v128.bitselect (local.get $vqmax) (local.get $q01) (f64x2.gt (local.get $q01) (local.get $vqmax))))
        (local.set $q23 (v128.bitselect (local.get $vqmin) (local.get $q23) (f64x2.lt (local.get $q23) (local.get $vqmin))))
        (local.set $q23 (v128.bitselect (local.get $vqmax) (local.get $q23) (f64x2.gt (local.get $q23) (local.get $vqmax))))
        ;; d = x - f32(scale (q - zp)), then c d d into the two sums
        (local.set $q01 (f64x2.sub (local.get $x01)
          (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul (local.get $vscale64) (f64x2.sub (local.get $q01) (local.get $vzp)))))))
        (local.set $q23 (f64x2.sub (local.get $x23)
          (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (f64x2.mul (local.get $vscale64) (f64x2.sub (local.get $q23) (local.get $vzp)))))))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (f64x2.mul (v128.load offset=0 (local.get $cs)) (local.get $q01)) (local.get $q01))))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (f64x2.mul (v128.load offset=16 (local.get $cs)) (local.get $q23)) (local.get $q23))))
        (local.set $xs (i32.add (local.get $xs) (i32.const 32)))
        (local.set $cs (i32.add (local.get $cs) (i32.const 32)))
        (br $next4)))
    (local.set $e0 (f64x2.extract_lane 0 (local.get $acc)))
    (local.set $e1 (f64x2.extract_lane 1 (local.get $acc)))
    ;; the last 0-3 bins one at a time: bins 4m, 4m+1, 4m+2 go to sums 0, 1, 0
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $xs) (local.get $end)))
        (local.set $x (f64.load (local.get $xs)))
        (local.set $q (f64.add (f64.promote_f32 (f32.nearest (f32.div (f32.demote_f64 (local.get $x)) (local.get $scale)))) (local.get $zp)))
        (local.set $q (select (local.get $qmin) (select (local.get $qmax) (local.get $q) (f64.gt (local.get $q) (local.get $qmax)))
          (f64.lt (local.get $q) (local.get $qmin))))
        (local.set $d (f64.sub (local.get $x)
          (f64.promote_f32 (f32.demote_f64 (f64.mul (f64.promote_f32 (local.get $scale)) (f64.sub (local.get $q) (local.get $zp)))))))
        (local.set $d (f64.mul (f64.mul (f64.load (local.get $cs)) (local.get $d)) (local.get $d)))
        (if (i32.and (local.get $k) (i32.const 1))
          (then (local.set $e1 (f64.add (local.get $e1) (local.get $d))))
          (else (local.set $e0 (f64.add (local.get $e0) (local.get $d)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (local.set $xs (i32.add (local.get $xs) (i32.const 8)))
        (local.set $cs (i32.add (local.get $cs) (i32.const 8)))
        (br $next)))
    (f64.add (local.get $e0) (local.get $e1))
  )
)
