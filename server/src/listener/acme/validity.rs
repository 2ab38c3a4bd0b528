//! When a certificate is valid: `notBefore` and `notAfter`, read straight from its DER
//! (RFC 5280 §4.1), which is all that renewal needs; a full X.509 parser would be a
//! large dependency for two dates.

use std::time::{Duration, SystemTime};

/// A certificate's validity period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Validity {
    /// Valid from.
    pub(crate) not_before: SystemTime,
    /// Valid until.
    pub(crate) not_after: SystemTime,
}

impl Validity {
    /// Reads the validity of the DER certificate `der`; `None` if it is not one.
    pub(crate) fn of(der: &[u8]) -> Option<Self> {
        // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
        //   serialNumber, signature, issuer, validity SEQUENCE { notBefore, notAfter }, ...
        let (_, certificate, _) = element(der)?;
        let (_, tbs, _) = element(certificate)?;
        let (tag, _, mut rest) = element(tbs)?;
        if tag != 0xa0 {
            rest = tbs;
        }
        for _ in 0..3 {
            rest = element(rest)?.2;
        }
        let (_, validity, _) = element(rest)?;
        let (before_tag, before, rest) = element(validity)?;
        let (after_tag, after, _) = element(rest)?;
        Some(Self {
            not_before: time(before_tag, before)?,
            not_after: time(after_tag, after)?,
        })
    }

    /// When to renew: when a third of the lifetime is left (Let's Encrypt's advice,
    /// 30 days of 90), so that failed attempts have weeks to succeed.
    pub(crate) fn renew_at(&self) -> SystemTime {
        let lifetime = self
            .not_after
            .duration_since(self.not_before)
            .unwrap_or(Duration::ZERO);
        self.not_after - lifetime / 3
    }
}

/// One DER element of `input`: its tag, its content, and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |n, &b| (n << 8) | usize::from(b));
        (length, &rest[count..])
    };
    if rest.len() < length {
        return None;
    }
    Some((tag, &rest[..length], &rest[length..]))
}

/// A UTCTime (`YYMMDDHHMMSSZ`, tag 0x17) or GeneralizedTime (`YYYYMMDDHHMMSSZ`,
/// tag 0x18), as RFC 5280 allows them.
fn time(tag: u8, text: &[u8]) -> Option<SystemTime> {
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let full = match (tag, text.len()) {
        // Years 50 to 99 are 1950 to 1999 (RFC 5280 §4.1.2.5.1).
        (0x17, 12) if text < "50" => format!("20{text}"),
        (0x17, 12) => format!("19{text}"),
        (0x18, 14) => text.to_owned(),
        _ => return None,
    };
    let number = |at: usize, len: usize| full.get(at..at + len)?.parse::<u16>().ok();
    let (year, month, day) = (number(0, 4)?, number(4, 2)?, number(6, 2)?);
    let (hour, minute, second) = (number(8, 2)?, number(10, 2)?, number(12, 2)?);
    let date = time::Date::from_calendar_date(
        i32::from(year),
        time::Month::try_from(u8::try_from(month).ok()?).ok()?,
        u8::try_from(day).ok()?,
    )
    .ok()?;
    let at = date
        .with_hms(
            u8::try_from(hour).ok()?,
            u8::try_from(minute).ok()?,
            u8::try_from(second).ok()?,
        )
        .ok()?;
    Some(at.assume_utc().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_dates_of_a_certificate() {
        let mut params = rcgen::CertificateParams::new(vec!["race.example".to_owned()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2026, 1, 2);
        // After 2049: a GeneralizedTime.
        params.not_after = rcgen::date_time_ymd(2051, 4, 1);
        let key = rcgen::KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().to_vec();
        let validity = Validity::of(&der).unwrap();
        let date = |text: &str| time(0x18, text.as_bytes()).unwrap();
        assert_eq!(validity.not_before, date("20260102000000Z"));
        assert_eq!(validity.not_after, date("20510401000000Z"));
        assert_eq!(time(0x17, b"260102000000Z"), Some(date("20260102000000Z")));
        assert_eq!(time(0x17, b"990102000000Z"), Some(date("19990102000000Z")));
        assert!(Validity::of(b"not a certificate").is_none());
        assert!(Validity::of(&der[..40]).is_none());
    }

    #[test]
    fn renewal_comes_when_a_third_of_the_lifetime_is_left() {
        let not_before = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let validity = Validity {
            not_before,
            not_after: not_before + Duration::from_secs(90 * 86_400),
        };
        assert_eq!(
            validity.renew_at(),
            not_before + Duration::from_secs(60 * 86_400)
        );
    }
}
