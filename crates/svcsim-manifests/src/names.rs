//! The API server's syntax checks for names, labels, ports, IPs and CIDRs,
//! with its exact messages.
//!
//! Source: `k8s.io/apimachinery/pkg/util/validation/validation.go`
//! (`IsDNS1123Label`, `IsDNS1123Subdomain`, `IsDNS1035Label`,
//! `IsQualifiedName`, `IsValidLabelValue`, `IsValidPortNum`,
//! `IsValidPortName`, `RegexError`, `MaxLenError`, `InclusiveRangeError`) and
//! `.../validation/ip.go` (`IsValidIP`, `IsValidCIDR`). Each function returns
//! the list of messages, as the Go functions do, so a caller turns each one
//! into a `field.Invalid` error. No regex crate: the patterns are simple
//! enough to check by hand, and the messages quote the Go patterns verbatim.

use std::net::Ipv4Addr;

/// `RegexError`: the message, then `(e.g. 'x',  or 'y', regex used for
/// validation is '…')`. The double space comes from appending `"'x', "` per
/// example and joining with `" or "`.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut out = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out += " or ";
        }
        out += &format!("'{e}', ");
    }
    out += &format!("regex used for validation is '{fmt}')");
    out
}

/// `MaxLenError`.
fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_lower_alnum(b[0])
        && is_lower_alnum(b[b.len() - 1])
        && b.iter().all(|&c| is_lower_alnum(c) || c == b'-')
}

/// `IsDNS1123Label`.
pub fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !matches_dns1123_label(s) {
        errs.push(regex_error(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?",
            &["my-name", "123-abc"],
        ));
    }
    errs
}

/// `IsDNS1123Subdomain`.
pub fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push(max_len_error(253));
    }
    if s.is_empty() || !s.split('.').all(matches_dns1123_label) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
            &["example.com"],
        ));
    }
    errs
}

/// `IsDNS1035Label` (Service names).
pub fn dns1035_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len_error(63));
    }
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b[0].is_ascii_lowercase()
        && is_lower_alnum(b[b.len() - 1])
        && b.iter().all(|&c| is_lower_alnum(c) || c == b'-');
    if !ok {
        errs.push(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            "[a-z]([-a-z0-9]*[a-z0-9])?",
            &["my-name", "abc-123"],
        ));
    }
    errs
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn matches_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

/// `IsQualifiedName` (label keys, annotation keys, appProtocol).
pub fn qualified_name(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                for m in dns1123_subdomain(prefix) {
                    errs.push(format!("prefix part {m}"));
                }
            }
            name
        }
        _ => {
            errs.push(format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len_error(63)));
    }
    if !matches_qualified_name_part(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_MSG,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// `IsValidLabelValue`.
pub fn label_value(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len_error(63));
    }
    if !s.is_empty() && !matches_qualified_name_part(s) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?",
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// `IsValidPortNum`: `InclusiveRangeError(1, 65535)`.
pub fn port_num(p: i64) -> Vec<String> {
    if (1..=65535).contains(&p) {
        Vec::new()
    } else {
        vec!["must be between 1 and 65535, inclusive".to_string()]
    }
}

/// `IsValidPortName` (IANA_SVC_NAME): one message per failing rule.
pub fn port_name(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 15 {
        errs.push(max_len_error(15));
    }
    if s.is_empty()
        || !s
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into());
    }
    if !s.bytes().any(|c| c.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".into());
    }
    if s.contains("--") {
        errs.push("must not contain consecutive hyphens".into());
    }
    if s.starts_with('-') || s.ends_with('-') {
        errs.push("must not begin or end with a hyphen".into());
    }
    errs
}

/// Parse a dotted-quad IPv4 address the way Go's `netip` does: exactly four
/// decimal parts, no leading zeros (Kubernetes' `parseIP` refuses them).
pub fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (o, p) in octets.iter_mut().zip(&parts) {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if p.len() > 1 && p.starts_with('0') {
            return None;
        }
        *o = p.parse().ok()?;
    }
    Some(Ipv4Addr::from(octets))
}

/// True for an IPv6 literal. svcsim's clusters are IPv4 single-stack; an
/// IPv6 address is syntactically valid but not in any range.
pub fn is_ipv6(s: &str) -> bool {
    s.contains(':') && s.parse::<std::net::Ipv6Addr>().is_ok()
}

/// `IsValidIP`.
pub fn ip(s: &str) -> Vec<String> {
    if parse_ipv4(s).is_some() || is_ipv6(s) {
        Vec::new()
    } else {
        vec!["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)".into()]
    }
}

/// An IPv4 CIDR, masked to its network (`ParseCIDRSloppy` semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr4 {
    pub net: u32,
    pub prefix: u8,
}

impl Cidr4 {
    pub fn mask(&self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix))
        }
    }
    pub fn contains(&self, ip: u32) -> bool {
        ip & self.mask() == self.net
    }
    /// Number of addresses.
    pub fn size(&self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }
}

pub fn parse_cidr4(s: &str) -> Option<Cidr4> {
    let (ip, prefix) = s.split_once('/')?;
    let ip = parse_ipv4(ip)?;
    if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let prefix: u8 = prefix.parse().ok()?;
    if prefix > 32 {
        return None;
    }
    let mut c = Cidr4 { net: 0, prefix };
    c.net = u32::from(ip) & c.mask();
    Some(c)
}

fn is_cidr6(s: &str) -> bool {
    match s.split_once('/') {
        Some((ip, p)) => {
            is_ipv6(ip) && p.parse::<u8>().is_ok_and(|p| p <= 128) && !p.starts_with('+')
        }
        None => false,
    }
}

/// `IsValidCIDR`.
pub fn cidr(s: &str) -> Vec<String> {
    if parse_cidr4(s).is_some() || is_cidr6(s) {
        Vec::new()
    } else {
        vec!["must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)".into()]
    }
}

/// `ValidateNonSpecialIP` (externalIPs): the reserved ranges an external IP
/// may not use.
pub fn non_special_ip(s: &str) -> Vec<String> {
    let Some(ip) = parse_ipv4(s) else {
        return Vec::new();
    };
    let o = ip.octets();
    if ip.is_unspecified() {
        vec!["may not be unspecified (0.0.0.0)".into()]
    } else if o[0] == 127 {
        vec!["may not be in the loopback range (127.0.0.0/8, ::1/128)".into()]
    } else if o[0] == 169 && o[1] == 254 {
        vec!["may not be in the link-local range (169.254.0.0/16, fe80::/10)".into()]
    } else if o[0] == 224 && o[1] == 0 && o[2] == 0 {
        vec!["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)".into()]
    } else {
        Vec::new()
    }
}

/// A Go `%q` rendering of a string (double quotes, escapes), as
/// `field.Invalid` prints string values.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            '\n' => out += "\\n",
            '\t' => out += "\\t",
            '\r' => out += "\\r",
            c if (c as u32) < 0x20 || c == '\u{7f}' => out += &format!("\\x{:02x}", c as u32),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_rules() {
        assert!(dns1123_label("my-name").is_empty());
        assert_eq!(dns1123_label("HTTP").len(), 1);
        assert!(dns1035_label("1svc").len() == 1);
        assert!(qualified_name("app.kubernetes.io/name").is_empty());
        assert!(!qualified_name("my app").is_empty());
        assert!(label_value("").is_empty());
        assert!(!label_value("-x").is_empty());
    }

    #[test]
    fn port_names() {
        assert!(port_name("http").is_empty());
        assert_eq!(port_name("80").len(), 1);
        assert_eq!(port_name("-a--").len(), 2);
    }

    #[test]
    fn ips_and_cidrs() {
        assert!(parse_ipv4("10.96.0.1").is_some());
        assert!(parse_ipv4("010.0.0.1").is_none());
        assert!(parse_ipv4("1.2.3").is_none());
        let c = parse_cidr4("10.244.1.11/16").unwrap();
        assert_eq!(c.net, u32::from(Ipv4Addr::new(10, 244, 0, 0)));
        assert!(cidr("fd00::/64").is_empty());
        assert!(!cidr("10.0.0.0/33").is_empty());
    }
}
