//! What one caller may ask of the server, so that guessing and minting cost the one doing
//! it and never the community. The numbers are chosen for a real community, and written in
//! the README:
//!
//! - joining: ten wrong or expired invite codes from one address in ten minutes, then that
//!   address is told to wait. Only failures count, so a meeting whose residents all join
//!   over the community centre's one Wi-Fi address is never held up, and a guesser cannot
//!   lock a community's real code: the code is not what is counted.
//! - documents of a member's own (`POST /api/docs`): a hundred per member. The app mints
//!   none today; an automerge-repo peer keeping a few notebooks stays far inside it.
//! - document ids the server does not know: the door answers "unavailable" itself (samod's
//!   hub never sees them), and a connection that asks about more than a thousand is
//!   closed, in words.
//! - connections: thirty-two open at once per member; more are refused at the upgrade, in
//!   words, until one closes. A member has a phone, perhaps a tablet, and one syncing tab
//!   each; the rest is room for sockets a lost signal left behind, which the server counts
//!   until it sees them close. There is no lower limit per device for that reason: a
//!   phone whose signal came and went three times has three sockets open for a while.
//! - frames: each connection is read at most [`FRAMES_PER_SECOND`] frames a second after a
//!   burst of [`FRAME_BURST`]; past that the server stops reading the socket until the
//!   rate allows (the sender's own buffers fill and it slows down), so a flood costs the
//!   flooder time and never a neighbour the server's attention. A phone starting up sends
//!   one message per document it holds, a few hundred at most; a busy writer ten a second.
//! - judging: one member's messages are judged one at a time, whichever device or tab
//!   sent them, off the async workers, each within [`JUDGE_BUDGET`]; a message that takes
//!   longer closes its connection, in words. So thirty-two connections of one member hold
//!   at most one frame's judging (a fork, at most `inflate::MAX_INFLATED` inflated) at
//!   once, and the threads that answer everyone else are never the ones judging.

use linli_core::{MemberId, Millis};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Wrong or expired invite codes one address may try within [`JOIN_WINDOW`].
pub const JOIN_FAILURES: usize = 10;
pub const JOIN_WINDOW: i64 = 10 * 60_000;
/// Documents of their own one member may mint.
pub const PERSONAL_DOCS: usize = 100;
/// Ids the gate does not know that one connection may ask about before it is closed: an
/// honest device asks only about documents its member holds, which the server knows, and
/// a document created offline is known once its index entry or claim has synced.
pub const UNKNOWN_IDS: usize = 1_000;
/// Sync connections open at once per member.
pub const CONNECTIONS_PER_MEMBER: usize = 32;
/// Frames a connection is read at, sustained, and the burst it may send at once.
pub const FRAMES_PER_SECOND: f64 = 200.0;
pub const FRAME_BURST: f64 = 2_000.0;
/// How long judging one message may take. Judging the largest honest message (a round of
/// `door::MAX_CHANGES`, or a year's document) takes about a second on a phone-class core.
pub const JUDGE_BUDGET: std::time::Duration = std::time::Duration::from_secs(10);
/// Addresses remembered at once; past this, those with no failure in the window are
/// forgotten first, so a flood of addresses cannot grow memory without end.
const ADDRESSES: usize = 50_000;

/// Failures per address within a sliding window.
pub struct Failures {
    max: usize,
    window: i64,
    seen: Mutex<HashMap<IpAddr, VecDeque<Millis>>>,
}

impl Failures {
    pub fn new(max: usize, window: i64) -> Failures {
        Failures {
            max,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, VecDeque<Millis>>> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `who` may try at `now`: fewer than the most failures within the window.
    pub fn allowed(&self, who: IpAddr, now: Millis) -> bool {
        let mut seen = self.lock();
        let Some(times) = seen.get_mut(&who) else {
            return true;
        };
        while times.front().is_some_and(|t| now.0 - t.0 >= self.window) {
            times.pop_front();
        }
        if times.is_empty() {
            seen.remove(&who);
            return true;
        }
        times.len() < self.max
    }

    /// Records a failure by `who` at `now`.
    pub fn failed(&self, who: IpAddr, now: Millis) {
        let mut seen = self.lock();
        if seen.len() >= ADDRESSES {
            let window = self.window;
            seen.retain(|_, times| times.back().is_some_and(|t| now.0 - t.0 < window));
        }
        seen.entry(who).or_default().push_back(now);
    }
}

/// Open sync connections per member.
#[derive(Default)]
pub struct Connections {
    open: Mutex<HashMap<MemberId, usize>>,
}

/// One open connection's place, given back when it is dropped.
pub struct Slot {
    of: Arc<Connections>,
    member: MemberId,
}

impl Connections {
    /// A place for another connection of `member`'s, if under the limit.
    pub fn take(self: &Arc<Self>, member: &MemberId) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(member.clone()).or_insert(0);
        if *n >= CONNECTIONS_PER_MEMBER {
            return None;
        }
        *n += 1;
        Some(Slot {
            of: self.clone(),
            member: member.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.of.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.member) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.member);
            }
        }
    }
}

/// One connection's frame budget: a token bucket refilled at [`FRAMES_PER_SECOND`].
pub struct FrameRate {
    tokens: f64,
    at: std::time::Instant,
    rate: f64,
    burst: f64,
}

impl Default for FrameRate {
    fn default() -> Self {
        FrameRate::new(FRAMES_PER_SECOND, FRAME_BURST, std::time::Instant::now())
    }
}

impl FrameRate {
    pub fn new(rate: f64, burst: f64, now: std::time::Instant) -> FrameRate {
        FrameRate {
            tokens: burst,
            at: now,
            rate,
            burst,
        }
    }

    /// Takes one frame's token at `now`; how long to wait first when there is none.
    pub fn take(&mut self, now: std::time::Instant) -> std::time::Duration {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.at = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst) - 1.0;
        if self.tokens >= 0.0 {
            std::time::Duration::ZERO
        } else {
            std::time::Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }
}

/// Each member's turn at judging: one message at a time per member.
#[derive(Default)]
pub struct Judging {
    turns: Mutex<HashMap<MemberId, Arc<tokio::sync::Semaphore>>>,
}

/// Members whose turns are remembered before the idle ones are forgotten.
const TURNS: usize = 10_000;

impl Judging {
    /// Waits for `member`'s turn; it is theirs until the permit is dropped.
    pub async fn turn(&self, member: &MemberId) -> tokio::sync::OwnedSemaphorePermit {
        let turn = {
            let mut turns = self.turns.lock().unwrap_or_else(|p| p.into_inner());
            if turns.len() >= TURNS {
                turns.retain(|_, t| Arc::strong_count(t) > 1);
            }
            turns
                .entry(member.clone())
                .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(1)))
                .clone()
        };
        turn.acquire_owned()
            .await
            .expect("a member's turn is never closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_pass_in_a_burst_then_at_the_rate() {
        use std::time::{Duration, Instant};
        let t0 = Instant::now();
        let mut r = FrameRate::new(100.0, 10.0, t0);
        for _ in 0..10 {
            assert_eq!(r.take(t0), Duration::ZERO, "the burst passes at once");
        }
        let wait = r.take(t0);
        assert!(
            (Duration::from_millis(9)..=Duration::from_millis(11)).contains(&wait),
            "{wait:?}"
        );
        // Read after that wait, the next frame waits its own hundredth of a second.
        let later = t0 + wait;
        let wait = r.take(later);
        assert!(
            (Duration::from_millis(9)..=Duration::from_millis(11)).contains(&wait),
            "{wait:?}"
        );
        // A quiet second refills the burst and no more.
        let quiet = later + wait + Duration::from_secs(1);
        for _ in 0..10 {
            assert_eq!(r.take(quiet), Duration::ZERO);
        }
        assert!(r.take(quiet) > Duration::ZERO);
    }

    #[tokio::test]
    async fn one_member_is_judged_one_message_at_a_time_and_others_are_not_held() {
        let j = Judging::default();
        let (a, b) = (
            MemberId::parse("m_a").unwrap(),
            MemberId::parse("m_b").unwrap(),
        );
        let first = j.turn(&a).await;
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), j.turn(&a));
        assert!(waiting.await.is_err(), "a's second message waits");
        let _other = j.turn(&b).await;
        drop(first);
        let _again = j.turn(&a).await;
    }

    #[test]
    fn failures_count_per_address_and_leave_the_window() {
        let f = Failures::new(3, 1_000);
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for t in 0..3 {
            assert!(f.allowed(a, Millis(t)));
            f.failed(a, Millis(t));
        }
        assert!(!f.allowed(a, Millis(10)), "the fourth try waits");
        assert!(f.allowed(b, Millis(10)), "another address is not held up");
        assert!(!f.allowed(a, Millis(999)));
        assert!(
            f.allowed(a, Millis(1_000)),
            "the first failure has left the window"
        );
    }
}
