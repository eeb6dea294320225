//! Where the phone is, through the browser's Geolocation API. A denied or unavailable
//! position is recorded as such and never holds up logging; while a patrol runs the track
//! is sampled, and a screen that locks simply stops the fixes (the track shows a gap).

use linli_core::patrol::{Position, TrackFix};
use linli_core::Millis;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::PositionOptions;

/// A fix older than this is not "where I am now".
const FRESH_MS: i64 = 60_000;
/// How long a step or an observation waits for a fix before it is logged without one.
const WAIT_MS: u32 = 4_000;

fn geolocation() -> Option<web_sys::Geolocation> {
    web_sys::window()?.navigator().geolocation().ok()
}

/// A number field of a JS object (`GeolocationPosition` and its `coords` are read this
/// way: their typed bindings are behind web-sys's unstable flag).
fn num(obj: &JsValue, key: &str) -> f64 {
    js_sys::Reflect::get(obj, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN)
}

fn fix_of(p: &JsValue) -> Option<TrackFix> {
    let c = js_sys::Reflect::get(p, &JsValue::from_str("coords")).ok()?;
    let (lat, lon, acc) = (
        num(&c, "latitude"),
        num(&c, "longitude"),
        num(&c, "accuracy"),
    );
    if !(lat.is_finite() && lon.is_finite()) {
        return None;
    }
    let at = num(p, "timestamp");
    Some(TrackFix {
        at: Millis(if at.is_finite() {
            at as i64
        } else {
            js_sys::Date::now() as i64
        }),
        lat_e6: (lat * 1e6).round() as i32,
        lon_e6: (lon * 1e6).round() as i32,
        accuracy_m: if acc.is_finite() {
            acc.round().clamp(0.0, 1e6) as u32
        } else {
            0
        },
    })
}

pub fn position_of(f: &TrackFix) -> Position {
    Position::Fix {
        lat_e6: f.lat_e6,
        lon_e6: f.lon_e6,
        accuracy_m: f.accuracy_m,
    }
}

fn error_position(e: &JsValue) -> Position {
    // GeolocationPositionError.PERMISSION_DENIED
    if num(e, "code") == 1.0 {
        Position::Denied
    } else {
        Position::Unavailable
    }
}

thread_local! {
    /// The last fix the watch delivered, and the last refusal (denied stays denied).
    static LAST: RefCell<(Option<TrackFix>, Option<Position>)> = const { RefCell::new((None, None)) };
}

/// Where the phone is now: the watch's last fix if fresh, else one asked for, else why not.
pub async fn here() -> Position {
    let now = js_sys::Date::now() as i64;
    if let Some(f) = LAST
        .with(|l| l.borrow().0)
        .filter(|f| now - f.at.0 <= FRESH_MS)
    {
        return position_of(&f);
    }
    let Some(geo) = geolocation() else {
        return Position::Unavailable;
    };
    let (tx, rx) = futures_channel();
    let ok_tx = tx.clone();
    let ok = Closure::once_into_js(move |p: JsValue| match fix_of(&p) {
        Some(f) => {
            LAST.with(|l| l.borrow_mut().0 = Some(f));
            ok_tx.send(position_of(&f));
        }
        None => ok_tx.send(Position::Unavailable),
    });
    let err = Closure::once_into_js(move |e: JsValue| tx.send(error_position(&e)));
    let opts = PositionOptions::new();
    opts.set_enable_high_accuracy(true);
    opts.set_timeout(WAIT_MS);
    opts.set_maximum_age(FRESH_MS as u32);
    if geo
        .get_current_position_with_error_callback_and_options(
            ok.unchecked_ref(),
            Some(err.unchecked_ref()),
            &opts,
        )
        .is_err()
    {
        return Position::Unavailable;
    }
    rx.await
}

/// A one-shot slot a callback fills and an async caller waits on, with a timer as a last
/// resort (a browser that never answers must not hold a step).
#[derive(Clone)]
struct Slot(Rc<RefCell<(Option<Position>, Option<std::task::Waker>)>>);

impl Slot {
    fn send(&self, p: Position) {
        let mut s = self.0.borrow_mut();
        if s.0.is_none() {
            s.0 = Some(p);
            if let Some(w) = s.1.take() {
                w.wake();
            }
        }
    }
}

impl std::future::Future for Slot {
    type Output = Position;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Position> {
        let mut s = self.0.borrow_mut();
        match s.0 {
            Some(p) => std::task::Poll::Ready(p),
            None => {
                s.1 = Some(cx.waker().clone());
                std::task::Poll::Pending
            }
        }
    }
}

fn futures_channel() -> (Slot, Slot) {
    let slot = Slot(Rc::new(RefCell::new((None, None))));
    let timer = slot.clone();
    leptos::prelude::set_timeout(
        move || timer.send(Position::Unavailable),
        std::time::Duration::from_millis(u64::from(WAIT_MS) + 1_000),
    );
    (slot.clone(), slot)
}

/// Samples the track while it lives: each fix goes to `on_fix`. Dropping it stops the
/// watch.
pub struct Watch {
    id: Option<i32>,
    _ok: Closure<dyn FnMut(JsValue)>,
    _err: Closure<dyn FnMut(JsValue)>,
}

impl Watch {
    pub fn start(mut on_fix: impl FnMut(TrackFix) + 'static) -> Watch {
        let ok = Closure::<dyn FnMut(JsValue)>::new(move |p: JsValue| {
            if let Some(f) = fix_of(&p) {
                LAST.with(|l| l.borrow_mut().0 = Some(f));
                on_fix(f);
            }
        });
        let err = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            let p = error_position(&e);
            LAST.with(|l| l.borrow_mut().1 = Some(p));
        });
        let opts = PositionOptions::new();
        opts.set_enable_high_accuracy(true);
        opts.set_maximum_age(5_000);
        let id = geolocation().and_then(|g| {
            g.watch_position_with_error_callback_and_options(
                ok.as_ref().unchecked_ref(),
                Some(err.as_ref().unchecked_ref()),
                &opts,
            )
            .ok()
        });
        Watch {
            id,
            _ok: ok,
            _err: err,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let (Some(id), Some(g)) = (self.id, geolocation()) {
            g.clear_watch(id);
        }
    }
}
