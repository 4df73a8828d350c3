//! Decimal text to and from `f64` without the standard library's float
//! conversion code.
//!
//! `format!("{x:.1}")` links std's Grisu and Dragon4 digit generators, and
//! `str::parse::<f64>` links Eisel-Lemire with a 10 KB table of powers of
//! five: together some 30 KB of wasm for what this program needs, which is
//! printing percentages, speeds, milliseconds and kube-proxy's `%0.10f`
//! probabilities, and reading the odd fractional number in a YAML file.
//!
//! An `f64` is exactly `m × 2^e`, so [`Fixed`] computes `round(x × 10^p)`
//! in integers and prints the same text as `{:.p$}`, ties to even included.
//! [`parse`] reads what `str::parse::<f64>` reads; a short number (at most
//! 19 significant digits, exponent within ±22) is one correctly rounded
//! multiplication or division, and a longer one is divided out exactly with
//! big integers. The tests compare both with std.

use std::fmt;

/// `self.0` with `self.1` digits after the point, as `format!("{:.*}", p, x)`.
/// Width and alignment flags apply to the whole text.
#[derive(Clone, Copy, Debug)]
pub struct Fixed(pub f64, pub u32);

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write_fixed(&mut s, self.0, self.1);
        f.pad(&s)
    }
}

fn write_fixed(out: &mut String, x: f64, places: u32) {
    if x.is_nan() {
        out.push_str("NaN");
        return;
    }
    if x.is_sign_negative() {
        out.push('-');
    }
    if x.is_infinite() {
        out.push_str("inf");
        return;
    }
    // 10^places must fit with the 53-bit mantissa in a u128.
    let places = places.min(20);
    let bits = x.abs().to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    // |x| × 10^places = m × 10^places × 2^e, rounded half to even.
    let scaled = m as u128 * 10u128.pow(places);
    let digits: Vec<u8> = if e >= 0 {
        let mut limbs = vec![
            scaled as u32,
            (scaled >> 32) as u32,
            (scaled >> 64) as u32,
            (scaled >> 96) as u32,
        ];
        for _ in 0..e {
            double(&mut limbs);
        }
        decimal_digits(limbs)
    } else {
        let k = (-e) as u32;
        // 2^110 > scaled, so for k > 110 the value is below one half.
        let q = if k > 110 {
            0
        } else {
            let q = scaled >> k;
            let r = scaled & ((1u128 << k) - 1);
            let half = 1u128 << (k - 1);
            if r > half || (r == half && q & 1 == 1) {
                q + 1
            } else {
                q
            }
        };
        decimal_digits(vec![
            q as u32,
            (q >> 32) as u32,
            (q >> 64) as u32,
            (q >> 96) as u32,
        ])
    };
    // At least one digit before the point.
    let places = places as usize;
    let pad = (places + 1).saturating_sub(digits.len());
    let all: Vec<u8> = std::iter::repeat_n(b'0', pad).chain(digits).collect();
    let (int, fraction) = all.split_at(all.len() - places);
    out.extend(int.iter().map(|&d| d as char));
    if places > 0 {
        out.push('.');
        out.extend(fraction.iter().map(|&d| d as char));
    }
}

/// The `f64` nearest to decimal text, as `s.parse::<f64>().ok()`: an
/// optional sign, then digits with at most one point (at least one digit),
/// then an optional exponent; or `inf`, `infinity`, `nan` in any case.
pub fn parse(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let magnitude = match lower.as_str() {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => parse_number(body.as_bytes())?,
    };
    Some(if neg { -magnitude } else { magnitude })
}

fn parse_number(b: &[u8]) -> Option<f64> {
    // Digits (leading zeros dropped) and the power of ten they are scaled by.
    let mut digits: Vec<u8> = Vec::new();
    let mut exp10: i64 = 0;
    let mut seen_digit = false;
    let mut seen_point = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            d @ b'0'..=b'9' => {
                seen_digit = true;
                if !(digits.is_empty() && d == b'0') {
                    digits.push(d - b'0');
                }
                if seen_point {
                    exp10 -= 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            b'e' | b'E' => break,
            _ => return None,
        }
        i += 1;
    }
    if !seen_digit {
        return None;
    }
    if i < b.len() {
        let e = &b[i + 1..];
        let (eneg, edigits) = match e.first()? {
            b'-' => (true, &e[1..]),
            b'+' => (false, &e[1..]),
            _ => (false, e),
        };
        if edigits.is_empty() || !edigits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        // Saturate: past ±10^6 the answer is 0 or infinity anyway.
        let mut n: i64 = 0;
        for &d in edigits {
            n = (n * 10 + (d - b'0') as i64).min(1_000_000);
        }
        exp10 += if eneg { -n } else { n };
    }
    // Trailing zeros only scale.
    while digits.last() == Some(&0) {
        digits.pop();
        exp10 += 1;
    }
    if digits.is_empty() {
        return Some(0.0);
    }
    if digits.len() as i64 + exp10 > 310 {
        return Some(f64::INFINITY);
    }
    if digits.len() as i64 + exp10 < -343 {
        return Some(0.0);
    }
    if digits.len() <= 19 && (-22..=22).contains(&exp10) {
        let m = digits.iter().fold(0u64, |m, &d| m * 10 + d as u64);
        if m < (1u64 << 53) {
            // Both operands exact, so one IEEE operation rounds correctly.
            let p = (0..exp10.unsigned_abs()).fold(1.0, |p, _| p * 10.0);
            return Some(if exp10 < 0 {
                m as f64 / p
            } else {
                m as f64 * p
            });
        }
    }
    Some(slow(&digits, exp10))
}

/// `digits × 10^exp10`, correctly rounded, by exact big-integer division.
fn slow(digits: &[u8], exp10: i64) -> f64 {
    let mut num = vec![0u32];
    for &d in digits {
        mul_small(&mut num, 10, d as u32);
    }
    let mut den = vec![1u32];
    if exp10 >= 0 {
        for _ in 0..exp10 {
            mul_small(&mut num, 10, 0);
        }
    } else {
        for _ in 0..-exp10 {
            mul_small(&mut den, 10, 0);
        }
    }
    // Scale the numerator so that the quotient has 65 or more bits; the
    // value is then quotient × 2^-shift.
    let shift = (65 + bits(&den) as i64 - bits(&num) as i64).max(0);
    for _ in 0..shift {
        double(&mut num);
    }
    let (q, rest) = divide(num, &den);
    // Keep the top 64 bits of the quotient, folding everything below into
    // a sticky low bit, so that the one rounding to 53 bits is correct.
    let qbits = bits(&q);
    let drop = qbits.saturating_sub(64);
    let mut top: u64 = 0;
    for i in (drop..qbits).rev() {
        top = (top << 1) | bit(&q, i) as u64;
    }
    let sticky = rest.iter().any(|&l| l != 0) || (0..drop).any(|i| bit(&q, i));
    top |= sticky as u64;
    let e2 = drop as i64 - shift;
    // `top as f64` rounds to 53 bits; scaling by a power of two is exact
    // unless it overflows (infinity, as std) or goes subnormal (where the
    // second rounding can differ from std in the last place).
    let mut x = top as f64;
    let mut e = e2;
    while e > 0 {
        let step = e.min(1000);
        x *= 2f64.powi(step as i32);
        e -= step;
    }
    while e < 0 {
        let step = (-e).min(1000);
        x /= 2f64.powi(step as i32);
        e += step;
    }
    x
}

fn mul_small(n: &mut Vec<u32>, by: u32, add: u32) {
    let mut carry = add as u64;
    for l in n.iter_mut() {
        let cur = *l as u64 * by as u64 + carry;
        *l = cur as u32;
        carry = cur >> 32;
    }
    if carry != 0 {
        n.push(carry as u32);
    }
}

fn bits(n: &[u32]) -> u32 {
    match n.iter().rposition(|&l| l != 0) {
        Some(i) => i as u32 * 32 + (32 - n[i].leading_zeros()),
        None => 0,
    }
}

fn bit(n: &[u32], i: u32) -> bool {
    n.get((i / 32) as usize)
        .is_some_and(|l| l >> (i % 32) & 1 == 1)
}

/// `num / den` and the remainder, by shifting and subtracting.
fn divide(mut num: Vec<u32>, den: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let nb = bits(&num);
    let db = bits(den);
    let mut q = vec![0u32; (nb / 32 + 1) as usize];
    if nb < db {
        return (q, num);
    }
    for s in (0..=nb - db).rev() {
        let mut shifted = vec![0u32; (s / 32) as usize];
        shifted.extend_from_slice(den);
        let r = s % 32;
        if r > 0 {
            let mut carry = 0;
            for l in shifted.iter_mut().skip((s / 32) as usize) {
                let next = *l >> (32 - r);
                *l = (*l << r) | carry;
                carry = next;
            }
            if carry != 0 {
                shifted.push(carry);
            }
        }
        if !less(&num, &shifted) {
            subtract(&mut num, &shifted);
            q[(s / 32) as usize] |= 1 << (s % 32);
        }
    }
    (q, num)
}

fn less(a: &[u32], b: &[u32]) -> bool {
    let len = a.len().max(b.len());
    for i in (0..len).rev() {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        if x != y {
            return x < y;
        }
    }
    false
}

fn subtract(a: &mut [u32], b: &[u32]) {
    let mut borrow = 0i64;
    for (i, l) in a.iter_mut().enumerate() {
        let cur = *l as i64 - b.get(i).copied().unwrap_or(0) as i64 - borrow;
        borrow = (cur < 0) as i64;
        *l = cur.rem_euclid(1 << 32) as u32;
    }
}

/// Multiply a little-endian base-2^32 number by two in place.
fn double(limbs: &mut Vec<u32>) {
    let mut carry = 0;
    for l in limbs.iter_mut() {
        let next = *l >> 31;
        *l = (*l << 1) | carry;
        carry = next;
    }
    if carry != 0 {
        limbs.push(carry);
    }
}

/// The decimal digits (ASCII) of a little-endian base-2^32 number.
fn decimal_digits(mut limbs: Vec<u32>) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        // Divide by ten, most significant limb first.
        let mut rem = 0u64;
        for l in limbs.iter_mut().rev() {
            let cur = (rem << 32) | *l as u64;
            *l = (cur / 10) as u32;
            rem = cur % 10;
        }
        out.push(b'0' + rem as u8);
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
        if limbs.is_empty() {
            break;
        }
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::Fixed;

    fn same(x: f64, p: u32) {
        let want = format!("{x:.*}", p as usize);
        assert_eq!(Fixed(x, p).to_string(), want, "x={x:e} places={p}");
    }

    #[test]
    fn prints_what_std_prints() {
        for x in [
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -2.5,
            0.125,
            0.375,
            0.05,
            1.0 / 3.0,
            2.0 / 3.0,
            99.95,
            99.949_999,
            1e-300,
            5e-324,
            123_456_789.987_654_32,
            1e22,
            1.7e308,
            -1e-7,
            0.000_488_281_25,
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
        ] {
            for p in 0..=12 {
                same(x, p);
            }
        }
        // Pseudo-random values over many magnitudes.
        let mut s = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mant = (s >> 11) as f64 / (1u64 << 53) as f64;
            let scale = 10f64.powi(((s >> 3) % 24) as i32 - 12);
            let x = if s & 1 == 1 {
                -mant * scale
            } else {
                mant * scale
            };
            same(x, ((s >> 8) % 11) as u32);
        }
        // kube-proxy's probabilities: 1/n to ten places.
        for n in 1..=2048 {
            same(1.0 / n as f64, 10);
        }
    }

    fn reads(s: &str) {
        let ours = super::parse(s);
        let std = s.parse::<f64>().ok();
        match (ours, std) {
            (Some(a), Some(b)) if a.is_nan() && b.is_nan() => {}
            (Some(a), Some(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{s}"),
            (a, b) => assert_eq!(a.is_some(), b.is_some(), "{s}: {a:?} vs {b:?}"),
        }
    }

    #[test]
    fn parses_what_std_parses() {
        for s in [
            "0",
            "-0",
            "1",
            "+1.5",
            "0.1",
            ".5",
            "5.",
            "1e5",
            "1E-5",
            "2.5e+3",
            "0.3333333333",
            "0.0004882812",
            "123456789012345678901234567890",
            "0.1234567890123456789012345",
            "9007199254740993",
            "1e22",
            "1e23",
            "1.7976931348623157e308",
            "1.8e308",
            "2.2250738585072014e-308",
            "1e-320",
            "1e-400",
            "1e400",
            "inf",
            "-Infinity",
            "NaN",
            "",
            "-",
            ".",
            "e5",
            "1e",
            "1e+",
            "1.2.3",
            "1_000",
            "0x10",
            " 1",
            "1 ",
            "12.5",
            "0000.000100",
            "1e0000000000000000000001",
        ] {
            reads(s);
        }
        // Pseudo-random decimals, short and long, over many magnitudes.
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let digits = 1 + (x >> 58) as usize % 26;
            let mut s = String::new();
            let mut y = x;
            for i in 0..digits {
                if i == (x >> 20) as usize % (digits + 1) {
                    s.push('.');
                }
                y = y.wrapping_mul(6364136223846793005).wrapping_add(1);
                s.push((b'0' + (y >> 60) as u8 % 10) as char);
            }
            let e = (x >> 8) as i64 % 80 - 40;
            reads(&s);
            reads(&format!("{s}e{e}"));
        }
        // Every probability kube-proxy prints reads back as std reads it.
        for n in 1..=2048 {
            reads(&Fixed(1.0 / n as f64, 10).to_string());
        }
    }

    #[test]
    fn width_and_alignment_apply_to_the_text() {
        assert_eq!(format!("{:>7}", Fixed(4.5678, 2)), "   4.57");
    }
}
