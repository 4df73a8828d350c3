//! A tiny LZ77-style byte codec and URL-safe base64, for share links.
//!
//! Share links carry a whole scenario (possibly the user's YAML) in the URL
//! fragment, so they must be compact, but a compression crate would cost
//! the wasm bundle more than the text it saves (the bundle is over budget
//! already, BENCHMARKS.md). YAML is very repetitive (keys, indentation),
//! which a plain LZ77 with a 64 KiB window catches well.
//!
//! Format, a sequence of tokens:
//! - `0x00..=0x7f` `L`: a literal run of `L + 1` bytes follows;
//! - `0x80..=0xff` `M`, then two bytes `D` (little-endian): copy
//!   `(M & 0x7f) + MIN_MATCH` bytes starting `D + 1` bytes back in the
//!   output (the copy may overlap what it writes, as in LZ77).
//!
//! Decoding is hostile-input safe: every offset and length is checked, and
//! the output is capped ([`MAX_OUTPUT`]) so a small fragment cannot expand
//! into gigabytes.

/// Shortest match worth a token (a match token is 3 bytes).
const MIN_MATCH: usize = 4;
const MAX_MATCH: usize = 0x7f + MIN_MATCH;
const WINDOW: usize = 1 << 16;
const HASH_BITS: u32 = 14;
/// Largest decoded output accepted: the scenario loader's own input limit
/// (1 MiB) plus room for the recorded commands.
pub const MAX_OUTPUT: usize = 4 << 20;

fn hash4(b: &[u8]) -> usize {
    let v = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
}

/// Compress `input`.
pub fn compress(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 2 + 8);
    // Last position seen for each 4-byte hash (+1; 0 means none).
    let mut table = vec![0usize; 1 << HASH_BITS];
    let mut lit_start = 0;
    let mut i = 0;
    let flush = |out: &mut Vec<u8>, lits: &[u8]| {
        for chunk in lits.chunks(128) {
            out.push((chunk.len() - 1) as u8);
            out.extend_from_slice(chunk);
        }
    };
    while i + MIN_MATCH <= input.len() {
        let h = hash4(&input[i..]);
        let cand = table[h];
        table[h] = i + 1;
        if cand > 0 {
            let c = cand - 1;
            let dist = i - c;
            if dist <= WINDOW && input[c..c + MIN_MATCH] == input[i..i + MIN_MATCH] {
                let mut len = MIN_MATCH;
                while len < MAX_MATCH && i + len < input.len() && input[c + len] == input[i + len] {
                    len += 1;
                }
                flush(&mut out, &input[lit_start..i]);
                out.push(0x80 | (len - MIN_MATCH) as u8);
                out.extend_from_slice(&((dist - 1) as u16).to_le_bytes());
                // Index the positions the match covers, so later text can
                // refer into it.
                for j in i + 1..(i + len).min(input.len().saturating_sub(MIN_MATCH - 1)) {
                    table[hash4(&input[j..])] = j + 1;
                }
                i += len;
                lit_start = i;
                continue;
            }
        }
        i += 1;
    }
    flush(&mut out, &input[lit_start..]);
    out
}

/// Decompress what [`compress`] wrote; `Err` with a reason for anything
/// else.
pub fn decompress(input: &[u8]) -> Result<Vec<u8>, String> {
    let mut out: Vec<u8> = Vec::with_capacity(input.len() * 3);
    let mut i = 0;
    while i < input.len() {
        let tag = input[i];
        i += 1;
        if tag < 0x80 {
            let n = tag as usize + 1;
            let lits = input
                .get(i..i + n)
                .ok_or("the data ends inside a literal run")?;
            out.extend_from_slice(lits);
            i += n;
        } else {
            let len = (tag & 0x7f) as usize + MIN_MATCH;
            let d = input.get(i..i + 2).ok_or("the data ends inside a match")?;
            let dist = u16::from_le_bytes([d[0], d[1]]) as usize + 1;
            i += 2;
            if dist > out.len() {
                return Err("a match points before the start of the data".into());
            }
            let start = out.len() - dist;
            for k in 0..len {
                let b = out[start + k];
                out.push(b);
            }
        }
        if out.len() > MAX_OUTPUT {
            return Err(format!("the data expands past {} MiB", MAX_OUTPUT >> 20));
        }
    }
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 (RFC 4648 §5) without padding.
pub fn base64url_encode(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..chunk.len() + 1 {
            s.push(B64[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
    s
}

/// Decode URL-safe base64; padding and whitespace are tolerated, anything
/// else outside the alphabet is an error.
pub fn base64url_decode(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' | b' ' | b'\n' | b'\r' => continue,
            _ => return Err(format!("{:?} is not a base64 character", c as char)),
        };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(data: &[u8]) {
        let c = compress(data);
        assert_eq!(decompress(&c).expect("decodes"), data);
        let b = base64url_encode(&c);
        assert!(b
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(base64url_decode(&b).expect("base64"), c);
    }

    #[test]
    fn round_trips() {
        round_trip(b"");
        round_trip(b"a");
        round_trip(b"abc");
        round_trip(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        round_trip(&[0u8; 1000]);
        for name in svcsim_manifests::builtin::names() {
            round_trip(svcsim_manifests::builtin::get(name).unwrap().as_bytes());
        }
        // Pseudo-random bytes (nothing to find) and a long text.
        let mut x = 12345u32;
        let noise: Vec<u8> = (0..5000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        round_trip(&noise);
        let all: String = svcsim_manifests::builtin::names()
            .iter()
            .map(|n| svcsim_manifests::builtin::get(n).unwrap())
            .collect();
        round_trip(all.repeat(8).as_bytes());
    }

    #[test]
    fn yaml_compresses_well() {
        let text = svcsim_manifests::builtin::get("mixed").unwrap().as_bytes();
        let c = compress(text);
        assert!(c.len() * 2 < text.len(), "{} -> {}", text.len(), c.len());
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        assert!(decompress(&[0x05, b'a']).is_err());
        assert!(decompress(&[0x80, 0, 0]).is_err());
        assert!(decompress(&[0x00, b'a', 0x80]).is_err());
        // A bomb: one byte, then matches that keep copying it.
        let mut bomb = vec![0x00, b'a'];
        for _ in 0..200_000 {
            bomb.extend_from_slice(&[0xff, 0, 0]);
        }
        assert!(decompress(&bomb).unwrap_err().contains("MiB"));
        assert!(base64url_decode("ab$c").is_err());
        // Any bytes at all: no panic.
        let mut x = 7u32;
        for n in 0..2000 {
            let junk: Vec<u8> = (0..n % 97)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16) as u8
                })
                .collect();
            let _ = decompress(&junk);
        }
    }

    #[test]
    fn base64_matches_the_rfc_vectors() {
        assert_eq!(base64url_encode(b"f"), "Zg");
        assert_eq!(base64url_encode(b"fo"), "Zm8");
        assert_eq!(base64url_encode(b"foo"), "Zm9v");
        assert_eq!(base64url_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("Zm9vYmE=").unwrap(), b"fooba");
    }
}
