//! A patrol's track as compact bytes (DESIGN.md: large blobs stay out of list items). A
//! chunk is a version byte, then per fix the differences from the fix before it (time in
//! ms, latitude and longitude in millionths of a degree), zigzag varints, and the accuracy
//! in metres: a fix a few seconds and metres from the last takes about 6 bytes, where a
//! list of maps would take hundreds of ops.

use crate::Millis;

const VERSION: u8 = 1;

/// Fixes further apart than this are a gap (the screen locked, the browser stopped
/// sampling): drawn as a break, never joined into a line nobody walked.
pub const GAP_MS: i64 = 2 * 60_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrackFix {
    pub at: Millis,
    pub lat_e6: i32,
    pub lon_e6: i32,
    pub accuracy_m: u32,
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

pub fn encode(fixes: &[TrackFix]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + fixes.len() * 7);
    out.push(VERSION);
    let (mut t, mut lat, mut lon) = (0i64, 0i64, 0i64);
    for f in fixes {
        put_varint(&mut out, zigzag(f.at.0 - t));
        put_varint(&mut out, zigzag(i64::from(f.lat_e6) - lat));
        put_varint(&mut out, zigzag(i64::from(f.lon_e6) - lon));
        put_varint(&mut out, u64::from(f.accuracy_m));
        (t, lat, lon) = (f.at.0, i64::from(f.lat_e6), i64::from(f.lon_e6));
    }
    out
}

/// The fixes of a chunk; `None` for bytes that do not read (a newer version, damage).
pub fn decode(bytes: &[u8]) -> Option<Vec<TrackFix>> {
    if bytes.first() != Some(&VERSION) {
        return None;
    }
    let mut at = 1;
    let mut out = Vec::with_capacity(bytes.len() / 6);
    let (mut t, mut lat, mut lon) = (0i64, 0i64, 0i64);
    while at < bytes.len() {
        t = t.checked_add(unzigzag(varint(bytes, &mut at)?))?;
        lat = lat.checked_add(unzigzag(varint(bytes, &mut at)?))?;
        lon = lon.checked_add(unzigzag(varint(bytes, &mut at)?))?;
        let acc = varint(bytes, &mut at)?;
        out.push(TrackFix {
            at: Millis(t),
            lat_e6: i32::try_from(lat).ok()?,
            lon_e6: i32::try_from(lon).ok()?,
            accuracy_m: u32::try_from(acc).ok()?,
        });
    }
    Some(out)
}

/// The track cut at every gap: each segment is a stretch the device really sampled.
pub fn segments(fixes: &[TrackFix]) -> Vec<Vec<TrackFix>> {
    let mut out: Vec<Vec<TrackFix>> = Vec::new();
    for f in fixes {
        match out.last_mut() {
            Some(seg) if seg.last().is_some_and(|l| f.at.0 - l.at.0 <= GAP_MS) => seg.push(*f),
            _ => out.push(vec![*f]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fix(at: i64, lat: i32, lon: i32) -> TrackFix {
        TrackFix {
            at: Millis(at),
            lat_e6: lat,
            lon_e6: lon,
            accuracy_m: 8,
        }
    }

    proptest! {
        #[test]
        fn any_track_round_trips(raw in prop::collection::vec(
            (0i64..4_000_000_000_000, -90_000_000i32..=90_000_000, -180_000_000i32..=180_000_000, 0u32..100_000),
            0..200,
        )) {
            let fixes: Vec<TrackFix> = raw.into_iter().map(|(t, a, o, c)| TrackFix {
                at: Millis(t), lat_e6: a, lon_e6: o, accuracy_m: c,
            }).collect();
            prop_assert_eq!(decode(&encode(&fixes)).unwrap(), fixes);
        }

        #[test]
        fn damaged_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes);
        }
    }

    #[test]
    fn a_walk_takes_a_few_bytes_a_fix() {
        let walk: Vec<TrackFix> = (0..1_000)
            .map(|i| {
                fix(
                    1_764_000_000_000 + i * 5_000,
                    31_230_000 + i as i32 * 3,
                    121_470_000 - i as i32 * 2,
                )
            })
            .collect();
        let bytes = encode(&walk);
        assert!(bytes.len() < 1_000 * 7, "{} bytes", bytes.len());
        assert_eq!(decode(&bytes).unwrap(), walk);
    }

    #[test]
    fn a_locked_screen_is_a_gap_not_a_line() {
        let t = 1_764_000_000_000;
        let fixes = [
            fix(t, 1, 1),
            fix(t + 5_000, 2, 2),
            fix(t + 5_000 + GAP_MS + 1, 3, 3),
        ];
        let segs = segments(&fixes);
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].len(), 2);
        assert_eq!(segs[1], vec![fixes[2]]);
        assert_eq!(
            decode(&[2, 0]),
            None,
            "a newer version is not read as this one"
        );
    }
}
