//! Account codes: `XX####`, allocated in order (`AA0001`, …, `AA9999`, `AB0000`, …),
//! skipping the reserved `SY` block of the system account.

/// Whether `code` has the form `XX####`.
pub fn is_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 6
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// The code after `current` (or the first code), skipping the `SY` block;
/// `None` when the space is exhausted.
pub fn successor(current: Option<&str>) -> Option<String> {
    let Some(current) = current.filter(|c| is_code(c)) else {
        return Some("AA0001".into());
    };
    let b = current.as_bytes();
    let (mut l1, mut l2) = (b[0], b[1]);
    let mut n: u32 = current[2..].parse().ok()?;
    loop {
        if n < 9999 {
            n += 1;
        } else {
            n = 0;
            if l2 < b'Z' {
                l2 += 1;
            } else if l1 < b'Z' {
                l1 += 1;
                l2 = b'A';
            } else {
                return None;
            }
        }
        if !(l1 == b'S' && l2 == b'Y') {
            return Some(format!("{}{}{n:04}", l1 as char, l2 as char));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_matches_the_original() {
        assert_eq!(successor(None).unwrap(), "AA0001");
        assert_eq!(successor(Some("AA0001")).unwrap(), "AA0002");
        assert_eq!(successor(Some("AA9999")).unwrap(), "AB0000");
        assert_eq!(successor(Some("AZ9999")).unwrap(), "BA0000");
        assert_eq!(successor(Some("SX9999")).unwrap(), "SZ0000");
        assert!(successor(Some("ZZ9999")).is_none());
        assert!(is_code("AB1234") && !is_code("ab1234") && !is_code("AB123"));
    }
}
