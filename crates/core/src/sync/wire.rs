//! The automerge-repo network protocol's messages (version "1"): one CBOR map per binary
//! WebSocket frame. The server reads them at its door; the app speaks them to the server.

use super::cbor::{self, CborError, Value};
use crate::DocId;

pub const PROTOCOL_VERSION: &str = "1";

#[derive(Clone, Debug, PartialEq)]
pub enum Wire {
    Join {
        sender: String,
        versions: Vec<String>,
    },
    Peer {
        sender: String,
        target: String,
        version: String,
    },
    Leave {
        sender: String,
    },
    /// A sync message for a document the sender does not have yet.
    Request {
        doc: DocId,
        sender: String,
        target: String,
        data: Vec<u8>,
    },
    Sync {
        doc: DocId,
        sender: String,
        target: String,
        data: Vec<u8>,
    },
    DocUnavailable {
        doc: DocId,
        sender: String,
        target: String,
    },
    Error {
        message: String,
    },
    /// The server refused some changes of one document and kept the connection open
    /// (`linli-refused`): which changes, and why in both languages. A plain automerge-repo
    /// peer drops a message type it does not know and keeps syncing.
    Refused {
        doc: DocId,
        sender: String,
        target: String,
        /// The refused changes' hashes, hex.
        changes: Vec<String>,
        zh: String,
        en: String,
    },
    /// Any other type (ephemeral, remote-heads-changed, …): passed on, never interpreted.
    Other {
        kind: String,
        doc: Option<DocId>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    Cbor(CborError),
    NotAMap,
    Missing(&'static str),
    BadDocumentId,
}

impl From<CborError> for WireError {
    fn from(e: CborError) -> Self {
        WireError::Cbor(e)
    }
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Cbor(e) => write!(f, "not CBOR: {e:?}"),
            WireError::NotAMap => f.write_str("a message must be a CBOR map"),
            WireError::Missing(field) => write!(f, "missing or malformed field {field}"),
            WireError::BadDocumentId => f.write_str("malformed documentId"),
        }
    }
}

/// The type of [`Wire::Refused`]; prefixed so it never collides with the protocol's own.
pub const REFUSED: &str = "linli-refused";

impl Wire {
    /// The document a message is about, if any.
    pub fn doc(&self) -> Option<DocId> {
        match self {
            Wire::Request { doc, .. }
            | Wire::Sync { doc, .. }
            | Wire::DocUnavailable { doc, .. }
            | Wire::Refused { doc, .. } => Some(*doc),
            Wire::Other { doc, .. } => *doc,
            _ => None,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let t = Value::text;
        let mut m: Vec<(Value, Value)> = Vec::new();
        let mut put = |k: &str, v: Value| m.push((t(k), v));
        match self {
            Wire::Join { sender, versions } => {
                put("type", t("join"));
                put("senderId", t(sender));
                put(
                    "supportedProtocolVersions",
                    Value::Array(versions.iter().map(|v| t(v)).collect()),
                );
                put(
                    "peerMetadata",
                    Value::Map(vec![(t("isEphemeral"), Value::Bool(false))]),
                );
            }
            Wire::Peer {
                sender,
                target,
                version,
            } => {
                put("type", t("peer"));
                put("senderId", t(sender));
                put("selectedProtocolVersion", t(version));
                put("targetId", t(target));
            }
            Wire::Leave { sender } => {
                put("type", t("leave"));
                put("senderId", t(sender));
            }
            Wire::Request {
                doc,
                sender,
                target,
                data,
            }
            | Wire::Sync {
                doc,
                sender,
                target,
                data,
            } => {
                let kind = if matches!(self, Wire::Request { .. }) {
                    "request"
                } else {
                    "sync"
                };
                put("type", t(kind));
                put("documentId", t(&doc.to_string()));
                put("senderId", t(sender));
                put("targetId", t(target));
                put("data", Value::Bytes(data.clone()));
            }
            Wire::DocUnavailable {
                doc,
                sender,
                target,
            } => {
                put("type", t("doc-unavailable"));
                put("senderId", t(sender));
                put("targetId", t(target));
                put("documentId", t(&doc.to_string()));
            }
            Wire::Error { message } => {
                put("type", t("error"));
                put("message", t(message));
            }
            Wire::Refused {
                doc,
                sender,
                target,
                changes,
                zh,
                en,
            } => {
                put("type", t(REFUSED));
                put("senderId", t(sender));
                put("targetId", t(target));
                put("documentId", t(&doc.to_string()));
                put(
                    "changes",
                    Value::Array(changes.iter().map(|c| t(c)).collect()),
                );
                put("zh", t(zh));
                put("en", t(en));
            }
            Wire::Other { kind, doc } => {
                put("type", t(kind));
                if let Some(doc) = doc {
                    put("documentId", t(&doc.to_string()));
                }
            }
        }
        cbor::encode(&Value::Map(m))
    }

    pub fn decode(bytes: &[u8]) -> Result<Wire, WireError> {
        let v = cbor::decode(bytes)?;
        if !matches!(v, Value::Map(_)) {
            return Err(WireError::NotAMap);
        }
        let text = |k: &'static str| -> Result<String, WireError> {
            v.get(k)
                .and_then(Value::as_text)
                .map(str::to_owned)
                .ok_or(WireError::Missing(k))
        };
        let data = || match v.get("data") {
            Some(Value::Bytes(b)) => Ok(b.clone()),
            _ => Err(WireError::Missing("data")),
        };
        let doc = || -> Result<DocId, WireError> {
            match v.get("documentId") {
                Some(Value::Text(s)) => DocId::parse(s).map_err(|_| WireError::BadDocumentId),
                Some(Value::Bytes(b)) => {
                    let raw: [u8; 16] = b
                        .as_slice()
                        .try_into()
                        .map_err(|_| WireError::BadDocumentId)?;
                    Ok(DocId(raw))
                }
                _ => Err(WireError::Missing("documentId")),
            }
        };
        let kind = text("type")?;
        Ok(match kind.as_str() {
            "join" => Wire::Join {
                sender: text("senderId")?,
                versions: match v.get("supportedProtocolVersions") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(|i| i.as_text().map(str::to_owned))
                        .collect(),
                    _ => return Err(WireError::Missing("supportedProtocolVersions")),
                },
            },
            "peer" => Wire::Peer {
                sender: text("senderId")?,
                target: text("targetId")?,
                version: text("selectedProtocolVersion")?,
            },
            "leave" => Wire::Leave {
                sender: text("senderId")?,
            },
            "request" => Wire::Request {
                doc: doc()?,
                sender: text("senderId")?,
                target: text("targetId")?,
                data: data()?,
            },
            "sync" => Wire::Sync {
                doc: doc()?,
                sender: text("senderId")?,
                target: text("targetId")?,
                data: data()?,
            },
            "doc-unavailable" => Wire::DocUnavailable {
                doc: doc()?,
                sender: text("senderId")?,
                target: text("targetId")?,
            },
            "error" => Wire::Error {
                message: text("message")?,
            },
            REFUSED => Wire::Refused {
                doc: doc()?,
                sender: text("senderId")?,
                target: text("targetId")?,
                changes: match v.get("changes") {
                    Some(Value::Array(items)) => items
                        .iter()
                        .filter_map(|i| i.as_text().map(str::to_owned))
                        .collect(),
                    _ => return Err(WireError::Missing("changes")),
                },
                zh: text("zh")?,
                en: text("en")?,
            },
            _ => Wire::Other {
                doc: doc().ok(),
                kind,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CommunityId;

    fn doc() -> DocId {
        DocId::derive(&CommunityId::parse("huqian-2").unwrap(), "help", "2026-11")
    }

    #[test]
    fn every_message_round_trips() {
        let all = [
            Wire::Join {
                sender: "p-1".into(),
                versions: vec!["1".into()],
            },
            Wire::Peer {
                sender: "server".into(),
                target: "p-1".into(),
                version: "1".into(),
            },
            Wire::Leave {
                sender: "p-1".into(),
            },
            Wire::Request {
                doc: doc(),
                sender: "p-1".into(),
                target: "server".into(),
                data: vec![0x42, 1, 2],
            },
            Wire::Sync {
                doc: doc(),
                sender: "p-1".into(),
                target: "server".into(),
                data: vec![],
            },
            Wire::Refused {
                doc: doc(),
                sender: "server".into(),
                target: "p-1".into(),
                changes: vec!["ab".repeat(32)],
                zh: "只读".into(),
                en: "read-only".into(),
            },
            Wire::DocUnavailable {
                doc: doc(),
                sender: "server".into(),
                target: "p-1".into(),
            },
            Wire::Error {
                message: "无权访问".into(),
            },
        ];
        for m in all {
            assert_eq!(Wire::decode(&m.encode()), Ok(m.clone()), "{m:?}");
        }
    }

    #[test]
    fn reads_what_a_javascript_peer_writes() {
        // cbor-x writes numbers as floats and ids as text; unknown keys come along too.
        let v = Value::Map(vec![
            (Value::text("type"), Value::text("sync")),
            (Value::text("documentId"), Value::Bytes(doc().0.to_vec())),
            (Value::text("senderId"), Value::text("p-1")),
            (Value::text("targetId"), Value::text("server")),
            (Value::text("data"), Value::Bytes(vec![9])),
            (Value::text("timestamp"), Value::Float(1.7e12)),
        ]);
        let m = Wire::decode(&cbor::encode(&v)).unwrap();
        assert_eq!(m.doc(), Some(doc()));
        let other = Value::Map(vec![
            (Value::text("type"), Value::text("ephemeral")),
            (Value::text("documentId"), Value::text(&doc().to_string())),
        ]);
        assert_eq!(
            Wire::decode(&cbor::encode(&other)),
            Ok(Wire::Other {
                kind: "ephemeral".into(),
                doc: Some(doc())
            })
        );
    }

    #[test]
    fn malformed_messages_are_errors() {
        assert_eq!(Wire::decode(&[0x01]), Err(WireError::NotAMap));
        let no_data = Value::Map(vec![
            (Value::text("type"), Value::text("sync")),
            (Value::text("documentId"), Value::text(&doc().to_string())),
            (Value::text("senderId"), Value::text("p")),
            (Value::text("targetId"), Value::text("s")),
        ]);
        assert_eq!(
            Wire::decode(&cbor::encode(&no_data)),
            Err(WireError::Missing("data"))
        );
        let bad_id = Value::Map(vec![
            (Value::text("type"), Value::text("sync")),
            (Value::text("documentId"), Value::text("not-an-id")),
        ]);
        assert_eq!(
            Wire::decode(&cbor::encode(&bad_id)),
            Err(WireError::BadDocumentId)
        );
    }
}
