//! A marker's glide from where it is drawn to its newest fix: eased, cancellable
//! where it is when the next fix comes (so a marker never jumps back).

/// A marker's glide from where it is drawn to its newest fix.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Glide {
    from: (f64, f64),
    to: (f64, f64),
    start_ms: f64,
    duration_ms: f64,
}

impl Glide {
    /// Standing still at `at`.
    pub fn still(at: (f64, f64)) -> Self {
        Self {
            from: at,
            to: at,
            start_ms: 0.0,
            duration_ms: 0.0,
        }
    }

    /// Where the marker is at `now_ms`, and whether it is still moving.
    pub fn at(&self, now_ms: f64) -> ((f64, f64), bool) {
        if self.duration_ms <= 0.0 || now_ms >= self.start_ms + self.duration_ms {
            return (self.to, false);
        }
        let k = ((now_ms - self.start_ms) / self.duration_ms).clamp(0.0, 1.0);
        // Ease out: quick to respond, gentle to arrive.
        let e = 1.0 - (1.0 - k) * (1.0 - k);
        let lerp = |a: f64, b: f64| a + (b - a) * e;
        (
            (lerp(self.from.0, self.to.0), lerp(self.from.1, self.to.1)),
            true,
        )
    }

    /// A new fix: the running glide is cancelled where it is, and a new one starts
    /// from there.
    pub fn retarget(&mut self, now_ms: f64, to: (f64, f64), duration_ms: f64) {
        let (here, _) = self.at(now_ms);
        *self = Self {
            from: here,
            to,
            start_ms: now_ms,
            duration_ms,
        };
    }

    /// Whether a glide is under way (or due to end on the next frame).
    pub fn is_gliding(&self) -> bool {
        self.duration_ms > 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_fix_cancels_the_glide_where_the_marker_is() {
        let mut g = Glide::still((0.0, 0.0));
        g.retarget(1000.0, (10.0, 0.0), 1000.0);
        let ((lat, _), moving) = g.at(1500.0);
        assert!(
            moving && lat > 5.0 && lat < 10.0,
            "eased past halfway: {lat}"
        );
        // Halfway there, a new fix: the glide restarts from where the marker is.
        g.retarget(1500.0, (20.0, 0.0), 1000.0);
        let ((start, _), _) = g.at(1500.0);
        assert!((start - lat).abs() < 1e-9);
        assert_eq!(g.at(2600.0), ((20.0, 0.0), false));
        assert!(g.is_gliding() && !Glide::still((1.0, 1.0)).is_gliding());
    }
}
