//! Addresses, CIDRs and protocols: the small vocabulary every layer shares.
//!
//! IPv4 only for now; svcsim's clusters are single-stack IPv4, as in the seed
//! article's examples. `Ipv4Addr` from std is plain data (no I/O).

use serde::{Deserialize, Serialize};
use std::fmt;
pub use std::net::Ipv4Addr;

/// An IPv4 CIDR such as `10.96.0.0/12`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cidr {
    pub addr: Ipv4Addr,
    pub prefix: u8,
}

impl Cidr {
    /// Parse `a.b.c.d/n`. Leading/trailing spaces are trimmed, as kube-proxy
    /// does for loadBalancerSourceRanges. A bare address is a /32.
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, p.parse::<u8>().ok()?),
            None => (s, 32),
        };
        if p > 32 {
            return None;
        }
        Some(Cidr {
            addr: a.parse().ok()?,
            prefix: p,
        })
    }

    pub fn mask(&self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - self.prefix)
        }
    }

    /// The network address (host bits cleared).
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.addr) & self.mask()
    }

    /// True when `other` lies wholly inside `self`.
    pub fn contains_cidr(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && self.contains(other.addr)
    }

    /// Number of addresses in the block.
    pub fn size(&self) -> u64 {
        1u64 << (32 - self.prefix as u32)
    }

    /// The `i`-th address of the block (0 = network address).
    pub fn nth(&self, i: u64) -> Option<Ipv4Addr> {
        (i < self.size()).then(|| Ipv4Addr::from(u32::from(self.network()) + i as u32))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    /// Parse the API spelling (`TCP`), case-insensitively so CLI flags can say `tcp`.
    pub fn parse(s: &str) -> Option<Protocol> {
        match s.to_ascii_uppercase().as_str() {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }
    /// The API spelling: `TCP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
    /// iptables' spelling: `tcp`.
    pub fn lower(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An address and port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Endpoint4 {
    pub ip: Ipv4Addr,
    pub port: u16,
}

impl fmt::Display for Endpoint4 {
    /// `10.244.1.3:3000`, written in one piece: a traced run formats an
    /// address or two per hop, and five nested `Display` calls through the
    /// formatting machinery cost several times more. Like `write!` before
    /// it, this ignores width and fill.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut t = AddrText::default();
        for (i, o) in self.ip.octets().into_iter().enumerate() {
            if i > 0 {
                t.byte(b'.');
            }
            t.num(u16::from(o));
        }
        t.byte(b':');
        t.num(self.port);
        f.write_str(t.as_str())
    }
}

/// An address as text on the stack: "255.255.255.255:65535" at most.
#[derive(Default)]
struct AddrText {
    buf: [u8; 21],
    len: usize,
}

impl AddrText {
    fn byte(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }
    fn num(&mut self, v: u16) {
        if v >= 10 {
            self.num(v / 10);
        }
        self.byte(b'0' + (v % 10) as u8);
    }
    fn as_str(&self) -> &str {
        // Only ASCII digits, dots and colons were written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl Endpoint4 {
    /// Parse `1.2.3.4:80`.
    pub fn parse(s: &str) -> Option<Endpoint4> {
        let (ip, port) = s.rsplit_once(':')?;
        Some(Endpoint4 {
            ip: ip.parse().ok()?,
            port: port.parse().ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_contains_and_nth() {
        let c = Cidr::parse("10.96.0.0/12").unwrap();
        assert!(c.contains("10.111.255.255".parse().unwrap()));
        assert!(!c.contains("10.112.0.0".parse().unwrap()));
        assert_eq!(c.nth(1), Some("10.96.0.1".parse().unwrap()));
        assert_eq!(Cidr::parse(" 203.0.113.0/25").unwrap().prefix, 25);
        assert!(Cidr::parse("1.2.3.4/33").is_none());
    }

    #[test]
    fn endpoints_print_as_std_prints_them() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..20_000u64 {
            x = x.rotate_left(17).wrapping_mul(0xff51_afd7_ed55_8ccd) ^ i;
            let ip = Ipv4Addr::from((x >> 16) as u32);
            let port = [0, 9, 10, 99, 100, 65535][(i % 6) as usize]
                .max((x & 0xffff) as u16 * (i % 2) as u16);
            let e = Endpoint4 { ip, port };
            assert_eq!(e.to_string(), format!("{ip}:{port}"));
            assert_eq!(Endpoint4::parse(&e.to_string()), Some(e));
        }
        let zero = Endpoint4 {
            ip: Ipv4Addr::UNSPECIFIED,
            port: 0,
        };
        assert_eq!(zero.to_string(), "0.0.0.0:0");
    }
}
