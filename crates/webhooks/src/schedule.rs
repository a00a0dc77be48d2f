//! When a failed message is tried again.

use std::time::Duration;

use rand::Rng;

/// Delays before each attempt: the first is the delay before attempt 1,
/// and so on. When every entry is used up, the message has failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(Vec<Duration>);

impl Default for RetrySchedule {
    /// Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight
    /// attempts over about 28 hours.
    fn default() -> Self {
        let m = 60;
        let h = 3600;
        Self([0, 5, 5 * m, 30 * m, 2 * h, 5 * h, 10 * h, 10 * h].into_iter().map(Duration::from_secs).collect())
    }
}

impl RetrySchedule {
    /// At least one entry.
    pub fn new(delays: Vec<Duration>) -> Option<Self> {
        (!delays.is_empty()).then_some(Self(delays))
    }

    /// Comma-separated milliseconds, e.g. `0,200,1000`.
    pub fn parse_ms(s: &str) -> Result<Self, String> {
        let delays = s
            .split(',')
            .map(|p| p.trim().parse::<u64>().map(Duration::from_millis).map_err(|_| format!("not milliseconds: {p:?}")))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(delays).ok_or_else(|| "empty schedule".to_owned())
    }

    pub fn attempts(&self) -> usize {
        self.0.len()
    }

    /// How long to wait after `attempts_made` failed attempts, with ±20%
    /// jitter so that endpoints that failed together do not retry together;
    /// `None` once the schedule is exhausted.
    pub fn delay_after(&self, attempts_made: usize) -> Option<Duration> {
        let base = *self.0.get(attempts_made)?;
        if base.is_zero() {
            return Some(base);
        }
        let factor = rand::rng().random_range(0.8..=1.2);
        Some(base.mul_f64(factor))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_has_eight_attempts_with_bounded_jitter() {
        let s = RetrySchedule::default();
        assert_eq!(s.attempts(), 8);
        assert_eq!(s.delay_after(0), Some(Duration::ZERO));
        for _ in 0..100 {
            let d = s.delay_after(1).unwrap();
            assert!(d >= Duration::from_secs(4) && d <= Duration::from_secs(6), "{d:?}");
            let d = s.delay_after(7).unwrap();
            assert!(d >= Duration::from_secs(8 * 3600) && d <= Duration::from_secs(12 * 3600), "{d:?}");
        }
        assert_eq!(s.delay_after(8), None);
    }

    #[test]
    fn parses_milliseconds() {
        let s = RetrySchedule::parse_ms("0, 200,1000").unwrap();
        assert_eq!(s.attempts(), 3);
        assert!(RetrySchedule::parse_ms("").is_err());
        assert!(RetrySchedule::parse_ms("1,x").is_err());
    }
}
