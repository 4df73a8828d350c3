//! kube-proxy's chain-name hashes: SHA-256, RFC 4648 base32 (standard
//! alphabet), first 16 characters.
//!
//! Copied behaviour: `portProtoHash` and `servicePortEndpointChainName` in
//! pkg/proxy/iptables/proxier.go. The base32 encoder is written here because
//! only 16 characters (10 bytes) of one digest are ever needed.

use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 with the standard alphabet and `=` padding.
pub fn base32_std(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let v = buf.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        // Characters carrying data: ceil(bits / 5).
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                let idx = ((v >> (35 - 5 * i)) & 0x1f) as usize;
                out.push(char::from(ALPHABET[idx]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// First 16 base32 characters of SHA-256(`input`).
fn hash16(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    // 10 bytes encode to exactly 16 characters with no padding.
    base32_std(&digest[..10])
}

/// `portProtoHash`: the suffix shared by KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and
/// KUBE-FW- chains of one service port. `spn` is `"ns/name:port"`,
/// `proto_lower` is `tcp`/`udp`/`sctp`; they are hashed with no separator.
pub fn port_proto_hash(spn: &str, proto_lower: &str) -> String {
    hash16(&format!("{spn}{proto_lower}"))
}

/// `servicePortEndpointChainName` without its prefix: the KUBE-SEP- suffix
/// of one endpoint (`endpoint` is `"ip:port"`).
pub fn endpoint_hash(spn: &str, proto_lower: &str, endpoint: &str) -> String {
    hash16(&format!("{spn}{proto_lower}{endpoint}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_rfc4648_vectors() {
        // RFC 4648 section 10 test vectors.
        assert_eq!(base32_std(b""), "");
        assert_eq!(base32_std(b"f"), "MY======");
        assert_eq!(base32_std(b"fo"), "MZXQ====");
        assert_eq!(base32_std(b"foo"), "MZXW6===");
        assert_eq!(base32_std(b"foob"), "MZXW6YQ=");
        assert_eq!(base32_std(b"fooba"), "MZXW6YTB");
        assert_eq!(base32_std(b"foobar"), "MZXW6YTBOI======");
    }

    #[test]
    fn chain_names_match_kube_proxy() {
        // From TestOverallIPTablesRules and well-known real-cluster names.
        assert_eq!(port_proto_hash("ns1/svc1:p80", "tcp"), "XPGD46QRK7WJZT7O");
        assert_eq!(port_proto_hash("ns2/svc2:p80", "tcp"), "GNZBNJ2PO5MGZ6GT");
        assert_eq!(port_proto_hash("ns5/svc5:p80", "tcp"), "NUKIZ6OKUXPJNT4C");
        assert_eq!(
            port_proto_hash("default/kubernetes:https", "tcp"),
            "NPX46M4PTMTKRN6Y"
        );
        assert_eq!(
            port_proto_hash("kube-system/kube-dns:dns", "udp"),
            "TCOU7JCQXEZGVUNU"
        );
        assert_eq!(
            port_proto_hash("kube-system/kube-dns:dns-tcp", "tcp"),
            "ERIFXISQEP7F7OF4"
        );
        assert_eq!(
            port_proto_hash("kube-system/kube-dns:metrics", "tcp"),
            "JD5MR3NA4I4DYORP"
        );
        assert_eq!(
            endpoint_hash("ns1/svc1:p80", "tcp", "10.180.0.1:80"),
            "SXIVWICOYRO3J4NJ"
        );
        assert_eq!(
            endpoint_hash("ns4/svc4:p80", "tcp", "10.180.0.5:80"),
            "C6EBXVWJJZMIWKLZ"
        );
    }
}
