//! The server's HTTP API, through the browser's fetch: joining, and asking why a token no
//! longer opens a connection. JSON goes through the browser's own parser, not serde_json
//! (which would cost the wasm ~14 KB for a handful of fields).

use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

/// An answer: its HTTP status and its JSON body (null when it had none).
pub struct Answer {
    pub status: u16,
    pub body: JsValue,
}

impl Answer {
    pub fn text(&self, field: &str) -> Option<String> {
        Reflect::get(&self.body, &field.into()).ok()?.as_string()
    }
}

/// Fails only when the server could not be reached (offline, or the network dropped).
async fn send(req: Request) -> Result<Answer, String> {
    let window = web_sys::window().ok_or("no window")?;
    let res: Response = JsFuture::from(window.fetch_with_request(&req))
        .await
        .map_err(super::idb::describe)?
        .dyn_into()
        .map_err(|_| "not a response")?;
    let text = match res.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    };
    let body = text
        .and_then(|t| JSON::parse(&t).ok())
        .unwrap_or(JsValue::NULL);
    Ok(Answer {
        status: res.status(),
        body,
    })
}

pub async fn post_json(path: &str, fields: &[(&str, &str)]) -> Result<Answer, String> {
    post(path, None, fields).await
}

pub async fn post_json_with_token(
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
) -> Result<Answer, String> {
    post(path, Some(token), fields).await
}

async fn post(path: &str, token: Option<&str>, fields: &[(&str, &str)]) -> Result<Answer, String> {
    let body = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&body, &(*k).into(), &(*v).into());
    }
    let json = JSON::stringify(&body).map_err(super::idb::describe)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&json.into());
    let req = Request::new_with_str_and_init(path, &init).map_err(super::idb::describe)?;
    let _ = req.headers().set("Content-Type", "application/json");
    if let Some(token) = token {
        let _ = req
            .headers()
            .set("Authorization", &format!("Bearer {token}"));
    }
    send(req).await
}

pub async fn get_with_token(path: &str, token: &str) -> Result<Answer, String> {
    let req = Request::new_with_str(path).map_err(super::idb::describe)?;
    let _ = req
        .headers()
        .set("Authorization", &format!("Bearer {token}"));
    send(req).await
}
