//! The HTTP API: joining by invite, health and readiness. Refusals carry a reason in both
//! languages, and a machine-readable code.

use crate::db::{AuthError, DbError, Refusal};
use crate::Server;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use linli_core::{DocId, Lang, Millis};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

pub fn router() -> Router<Arc<Server>> {
    Router::new()
        .route("/api/join", post(join))
        .route("/api/me", get(me))
        .route("/api/reports", post(report))
        .route("/api/docs", post(new_doc))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
}

#[derive(serde::Deserialize)]
pub struct JoinRequest {
    pub code: String,
    pub display_name: String,
}

#[derive(serde::Serialize)]
struct JoinResponse {
    member: String,
    peer_id: String,
    token: String,
    community: String,
    community_name: String,
    role: String,
    display_name: String,
    /// The community's directory document, which lists every other document.
    directory: DocId,
}

/// The server's clock: the time the server records is the one deadlines trust.
pub fn now() -> Millis {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Millis(since.as_millis() as i64)
}

/// A refusal the app can show: `code` for programs, `zh` and `en` for people.
pub fn refusal(status: StatusCode, code: &str, zh: &str, en: &str) -> Response {
    let body = serde_json::json!({ "error": code, "zh": zh, "en": en });
    (status, Json(body)).into_response()
}

fn refused(r: Refusal) -> Response {
    match r {
        Refusal::UnknownInvite => refusal(
            StatusCode::NOT_FOUND,
            "unknown_invite",
            "邀请码不正确，请核对后重试。",
            "That invite code is not valid; check it and try again.",
        ),
        Refusal::ExpiredInvite => refusal(
            StatusCode::GONE,
            "expired_invite",
            "邀请码已过期，请向社区工作者要一个新的。",
            "That invite code has expired; ask community staff for a new one.",
        ),
        Refusal::Invalid(e) => refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            &e.message(Lang::Zh),
            &e.message(Lang::En),
        ),
        other => refusal(
            StatusCode::BAD_REQUEST,
            "refused",
            "请求无法完成。",
            &format!("Refused: {other:?}"),
        ),
    }
}

async fn join(
    State(srv): State<Arc<Server>>,
    from: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Result<Json<JoinRequest>, JsonRejection>,
) -> Response {
    // Without the connection's address (a test calling the router directly) every caller
    // shares one count.
    let from = from.map_or(IpAddr::from([0, 0, 0, 0]), |Extension(ConnectInfo(a))| {
        a.ip()
    });
    if !srv.join_failures.allowed(from, srv.now()) {
        tracing::warn!(%from, "joins refused: too many wrong invite codes");
        return refusal(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_tries",
            "邀请码错误次数太多，请 10 分钟后再试。",
            "Too many wrong invite codes; try again in 10 minutes.",
        );
    }
    let Ok(Json(req)) = body else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "请求格式不正确。",
            "The request is not in the expected form.",
        );
    };
    let joined = match srv.join(&req.code, &req.display_name).await {
        Ok(j) => j,
        Err(DbError::Refused(r)) => {
            if matches!(r, Refusal::UnknownInvite | Refusal::ExpiredInvite) {
                srv.join_failures.failed(from, srv.now());
            }
            return refused(r);
        }
        Err(DbError::Store(e)) => {
            tracing::error!(error = %e, "join failed in the store");
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "store",
                "服务器暂时无法保存，请稍后再试。",
                "The server cannot save right now; try again shortly.",
            );
        }
    };
    let community_name = srv
        .db
        .community_name(&joined.community)
        .ok()
        .flatten()
        .unwrap_or_default();
    // Never log the token: it is the device's key.
    tracing::info!(member = %joined.member.as_str(), peer = %joined.peer_id, community = %joined.community.as_str(), "member joined");
    Json(JoinResponse {
        directory: DocId::derive(
            &joined.community,
            linli_core::DocKind::DIRECTORY.as_str(),
            "",
        ),
        member: joined.member.0,
        peer_id: joined.peer_id,
        token: joined.token,
        community: joined.community.0,
        community_name,
        role: joined.role.as_str().to_owned(),
        display_name: joined.display_name,
    })
    .into_response()
}

/// Why a token no longer opens anything, in both languages (for a connection already open).
pub fn auth_reason(e: &AuthError) -> String {
    let (zh, en) = match e {
        AuthError::Unknown => (
            "这台设备的登录信息无效。",
            "this device's sign-in is not valid",
        ),
        AuthError::Expired => (
            "这台设备的登录已过期。",
            "this device's sign-in has expired",
        ),
        AuthError::DeviceRevoked => (
            "社区工作者已停用这台设备。",
            "community staff have revoked this device",
        ),
        AuthError::MemberRevoked => (
            "社区工作者已停用你的成员身份。",
            "community staff have revoked your membership",
        ),
    };
    format!("{zh} / {en}")
}

/// Refuses a token in words: 401 when it opens nothing (unknown, expired), 403 when it was
/// taken back. The WebSocket upgrade answers the same way.
pub fn auth_refusal(e: AuthError) -> Response {
    let res = match e {
        AuthError::Unknown => refusal(
            StatusCode::UNAUTHORIZED,
            "unknown_token",
            "这台设备的登录信息无效，请重新加入社区。",
            "This device's sign-in is not valid; join the community again.",
        ),
        AuthError::Expired => refusal(
            StatusCode::UNAUTHORIZED,
            "expired_token",
            "这台设备的登录已过期，请重新加入社区。",
            "This device's sign-in has expired; join the community again.",
        ),
        AuthError::DeviceRevoked => refusal(
            StatusCode::FORBIDDEN,
            "device_revoked",
            "社区工作者已停用这台设备。",
            "Community staff have revoked this device.",
        ),
        AuthError::MemberRevoked => refusal(
            StatusCode::FORBIDDEN,
            "member_revoked",
            "社区工作者已停用你的成员身份。",
            "Community staff have revoked your membership.",
        ),
    };
    if res.status() == StatusCode::UNAUTHORIZED {
        bearer(res)
    } else {
        res
    }
}

fn bearer(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer"),
    );
    res
}

#[derive(serde::Deserialize)]
pub struct ReportRequest {
    /// The client's id for the report: sending it twice files it once.
    pub id: String,
    /// The help document the request is in.
    pub doc: DocId,
    pub request: String,
    pub reason: String,
}

/// A resident reports a help request: the server files it in the staff's document, which
/// residents can neither read nor write.
async fn report(
    State(srv): State<Arc<Server>>,
    headers: HeaderMap,
    body: Result<Json<ReportRequest>, JsonRejection>,
) -> Response {
    let who = match authed(&srv, &headers).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let Ok(Json(req)) = body else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "请求格式不正确。",
            "The request is not in the expected form.",
        );
    };
    match srv.file_report(&who.member, &req).await {
        Ok(()) => Json(serde_json::json!({ "filed": req.id })).into_response(),
        Err(e) => refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            &e.message(Lang::Zh),
            &e.message(Lang::En),
        ),
    }
}

/// A document of the member's own under a fresh random id (any automerge-repo peer may
/// keep documents of its own here): the server mints the id, so nobody can claim an id
/// the app derives.
async fn new_doc(State(srv): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let who = match authed(&srv, &headers).await {
        Ok(a) => a,
        Err(res) => return res,
    };
    let (db, member) = (srv.db.clone(), who.member.id.clone());
    let owned = tokio::task::spawn_blocking(move || db.personal_count(&member)).await;
    match owned {
        Ok(Ok(n)) if n < crate::limits::PERSONAL_DOCS => {}
        Ok(Ok(_)) => {
            tracing::warn!(member = %who.member.id.as_str(), "personal documents refused: at the quota");
            return refusal(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_docs",
                "你自己的文档已达 100 个的上限。",
                "You have reached the limit of 100 documents of your own.",
            );
        }
        _ => {
            return refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "store",
                "存储不可用。",
                "The store is unavailable.",
            )
        }
    }
    let mut raw = [0u8; 16];
    getrandom::fill(&mut raw).expect("the OS provides randomness");
    let doc = DocId(raw);
    match srv.gate.claim_personal(doc, &who.member.id).await {
        Ok(_) => Json(serde_json::json!({ "doc": doc })).into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "cannot record a personal document");
            refusal(
                StatusCode::SERVICE_UNAVAILABLE,
                "store",
                "服务器暂时无法保存，请稍后再试。",
                "The server cannot save right now; try again shortly.",
            )
        }
    }
}

fn bearer_token(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .to_owned()
}

/// The member a request's bearer token names, or the refusal to answer with.
async fn authed(srv: &Arc<Server>, headers: &HeaderMap) -> Result<crate::db::Authed, Response> {
    let token = bearer_token(headers);
    let (db, now) = (srv.db.clone(), srv.now());
    let checked = tokio::task::spawn_blocking(move || db.authenticate(&token, now)).await;
    match checked.unwrap_or_else(|e| Err(DbError::Store(e.to_string()))) {
        Ok(Ok(a)) => Ok(a),
        Ok(Err(e)) => Err(auth_refusal(e)),
        Err(_) => Err(refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "store",
            "存储不可用。",
            "The store is unavailable.",
        )),
    }
}

/// Who the bearer token says the caller is: lets the app check its sign-in is still good.
async fn me(State(srv): State<Arc<Server>>, headers: HeaderMap) -> Response {
    match authed(&srv, &headers).await {
        Ok(a) => Json(serde_json::json!({
            "member": a.member.id.as_str(),
            "peer_id": a.peer_id,
            "community": a.member.community.as_str(),
            "role": a.member.role.as_str(),
            "display_name": a.member.display_name,
        }))
        .into_response(),
        Err(res) => res,
    }
}

async fn ready(State(srv): State<Arc<Server>>) -> Response {
    let db = srv.db.clone();
    match tokio::task::spawn_blocking(move || db.is_empty()).await {
        Ok(Ok(_)) => "ready".into_response(),
        _ => refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "store",
            "存储不可用。",
            "The store is unavailable.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use linli_core::{CommunityId, Role};
    use tower::ServiceExt;

    struct Fixture {
        srv: Arc<Server>,
        db: Arc<crate::db::Db>,
        _dir: crate::testdir::TestDir,
    }

    async fn db_with_invite(role: Role) -> (Fixture, String) {
        let dir = crate::testdir::TestDir::new("api");
        let srv = Server::start(dir.path(), crate::system_clock())
            .await
            .unwrap();
        let c = CommunityId::parse("huqian-2").unwrap();
        srv.db.create_community(&c, "湖前第二社区", now()).unwrap();
        let code = srv.db.create_invite(&c, &role, now()).unwrap();
        srv.prepare_directories().await.unwrap();
        let db = srv.db.clone();
        (Fixture { srv, db, _dir: dir }, code)
    }

    /// Sends one request through the router; every answer of the API is JSON.
    async fn call(f: &Fixture, req: Request<Body>) -> (StatusCode, serde_json::Value) {
        let res = f.srv.router(None).oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    async fn post_join(db: &Fixture, body: serde_json::Value) -> (StatusCode, serde_json::Value) {
        let req = Request::post("/api/join")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        call(db, req).await
    }

    #[tokio::test]
    async fn joining_returns_a_token_a_peer_id_and_the_directory() {
        let (f, code) = db_with_invite(Role::GridWorker).await;
        let db = &f.db;
        let (status, body) = post_join(
            &f,
            serde_json::json!({ "code": code, "display_name": "张网格" }),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["role"], "grid_worker");
        assert_eq!(body["community_name"], "湖前第二社区");
        let directory = DocId::derive(&CommunityId::parse("huqian-2").unwrap(), "directory", "");
        assert_eq!(body["directory"], directory.to_string());
        let token = body["token"].as_str().unwrap();
        let authed = db.authenticate(token, now()).unwrap().unwrap();
        assert_eq!(authed.peer_id, body["peer_id"]);
    }

    async fn get_me(db: &Fixture, token: &str) -> (StatusCode, serde_json::Value) {
        let req = Request::get("/api/me")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        call(db, req).await
    }

    #[tokio::test]
    async fn tokens_are_checked_with_401_or_403_and_a_reason() {
        let (f, code) = db_with_invite(Role::Resident).await;
        let db = &f.db;
        let (_, joined) = post_join(
            &f,
            serde_json::json!({ "code": code, "display_name": "王阿姨" }),
        )
        .await;
        let token = joined["token"].as_str().unwrap();
        let (status, body) = get_me(&f, token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["display_name"], "王阿姨");

        let (status, body) = get_me(&f, "forged").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "unknown_token");
        assert!(body["zh"].as_str().unwrap().contains("重新加入"));

        let member = linli_core::MemberId(joined["member"].as_str().unwrap().to_owned());
        db.revoke_member(&member, now()).unwrap();
        let (status, body) = get_me(&f, token).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"], "member_revoked");
        assert!(body["en"].as_str().unwrap().contains("revoked"));
    }

    #[tokio::test]
    async fn a_bad_code_or_name_is_refused_in_both_languages() {
        let (f, code) = db_with_invite(Role::Resident).await;
        let db = &f.db;
        let (status, body) = post_join(
            &f,
            serde_json::json!({ "code": "ZZZZ-ZZZZ", "display_name": "王" }),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"], "unknown_invite");
        assert!(body["zh"].as_str().unwrap().contains("邀请码"));
        let (status, body) =
            post_join(&f, serde_json::json!({ "code": code, "display_name": " " })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["zh"], "请填写“昵称”。");
        assert!(db
            .members(&CommunityId::parse("huqian-2").unwrap())
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn a_report_is_filed_for_staff_once_and_only_about_ones_own_community() {
        let (f, code) = db_with_invite(Role::Resident).await;
        let (_, joined) = post_join(
            &f,
            serde_json::json!({ "code": code, "display_name": "王阿姨" }),
        )
        .await;
        let token = joined["token"].as_str().unwrap();
        let c = CommunityId::parse("huqian-2").unwrap();
        let help = linli_core::help::doc_id(&c, now());
        let send = |doc: DocId, token: &str| {
            Request::post("/api/reports")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(
                    serde_json::json!({ "id": "p1", "doc": doc, "request": "r1", "reason": "留了电话" })
                        .to_string(),
                ))
                .unwrap()
        };
        let (status, body) = call(&f, send(help, token)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = call(&f, send(help, token)).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the same report twice is filed once"
        );
        let staff = f.srv.fork(linli_core::access::staff_id(&c)).await;
        let filed = linli_core::staff::reports(&staff);
        assert_eq!(filed.len(), 1);
        assert_eq!(filed[0].reason, "留了电话");

        let elsewhere = linli_core::help::doc_id(&CommunityId::parse("huazhong").unwrap(), now());
        let (status, body) = call(&f, send(elsewhere, token)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["zh"].as_str().unwrap().contains("找不到"));
        let (status, _) = call(&f, send(help, "forged")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}
