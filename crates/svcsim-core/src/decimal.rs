//! Fixed-point printing of floats without the standard library's
//! float-to-decimal code.
//!
//! `format!("{x:.1}")` links std's Grisu and Dragon4 digit generators (about
//! 15 KB of wasm) for what this program prints: percentages, speeds,
//! milliseconds and kube-proxy's `%0.10f` probabilities. An `f64` is exactly
//! `m × 2^e`, so `round(x × 10^p)` can be computed exactly in integers;
//! [`Fixed`] does that and prints the same text as `{:.p$}`, ties to even
//! included (the tests compare the two).

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

    #[test]
    fn width_and_alignment_apply_to_the_text() {
        assert_eq!(format!("{:>7}", Fixed(4.5678, 2)), "   4.57");
    }
}
