use super::rules::MEMBER_MAPS;
use crate::follow::Followed;
use crate::read::{map_at, records, FieldRef};
use crate::tree::{Fields, Tree};
use crate::{Lang, MemberId, Millis, Role};
use automerge::{Automerge, ObjId, ROOT};

/// What kind of help is asked for. Stored as a string; a newer app's kind reads as `Unknown`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    Errand,
    Care,
    Repair,
    Lending,
    Company,
    Other,
    Unknown(String),
}

impl Category {
    pub const KNOWN: [Category; 6] = [
        Category::Errand,
        Category::Care,
        Category::Repair,
        Category::Lending,
        Category::Company,
        Category::Other,
    ];

    pub fn as_str(&self) -> &str {
        match self {
            Category::Errand => "errand",
            Category::Care => "care",
            Category::Repair => "repair",
            Category::Lending => "lending",
            Category::Company => "company",
            Category::Other => "other",
            Category::Unknown(s) => s,
        }
    }

    pub fn parse(s: &str) -> Category {
        Category::KNOWN
            .into_iter()
            .find(|c| c.as_str() == s)
            .unwrap_or_else(|| Category::Unknown(s.to_owned()))
    }

    pub fn label(&self, lang: Lang) -> &str {
        match self {
            Category::Errand => lang.pick("跑腿代办", "Errand"),
            Category::Care => lang.pick("照护陪诊", "Care"),
            Category::Repair => lang.pick("维修", "Repair"),
            Category::Lending => lang.pick("借用物品", "Lending"),
            Category::Company => lang.pick("陪伴聊天", "Company"),
            Category::Other => lang.pick("其他", "Other"),
            Category::Unknown(_) => lang.pick("其他", "Other"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Urgency {
    Low,
    Normal,
    High,
    Unknown(String),
}

impl Urgency {
    pub const KNOWN: [Urgency; 3] = [Urgency::High, Urgency::Normal, Urgency::Low];

    pub fn as_str(&self) -> &str {
        match self {
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::High => "high",
            Urgency::Unknown(s) => s,
        }
    }

    pub fn parse(s: &str) -> Urgency {
        match s {
            "low" => Urgency::Low,
            "normal" => Urgency::Normal,
            "high" => Urgency::High,
            other => Urgency::Unknown(other.to_owned()),
        }
    }

    /// Higher sorts first; an unknown urgency counts as normal.
    pub fn rank(&self) -> u8 {
        match self {
            Urgency::High => 2,
            Urgency::Normal | Urgency::Unknown(_) => 1,
            Urgency::Low => 0,
        }
    }

    pub fn label(&self, lang: Lang) -> &str {
        match self {
            Urgency::High => lang.pick("紧急", "Urgent"),
            Urgency::Normal | Urgency::Unknown(_) => lang.pick("一般", "Normal"),
            Urgency::Low => lang.pick("不急", "Not urgent"),
        }
    }
}

/// A neighbour's offer: public, a short note only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub helper: MemberId,
    pub note: String,
    pub at: Millis,
    pub withdrawn: bool,
    /// The helper says the help was given (the requester still confirms).
    pub done_at: Option<Millis>,
}

/// Staff hid the request: residents no longer see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hidden {
    pub by: MemberId,
    pub reason: String,
    pub at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub id: String,
    pub author: MemberId,
    pub category: Category,
    pub title: String,
    pub details: String,
    pub urgency: Urgency,
    pub place: String,
    pub needed_by: Option<Millis>,
    pub expires_at: Millis,
    pub created_at: Millis,
    /// Oldest first, ties by helper id.
    pub offers: Vec<Offer>,
    /// The chosen helper (see [`Request::accepted`]).
    pub accepted: Option<MemberId>,
    /// Helpers accepted on another device at the same time and set aside by the rule.
    pub set_aside: Vec<MemberId>,
    pub cancelled_at: Option<Millis>,
    pub confirmed_at: Option<Millis>,
    pub hidden: Vec<Hidden>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    Offered,
    Accepted,
    /// The helper marked it done; the requester has not confirmed yet.
    HelperDone,
    Done,
    Cancelled,
    /// Past its expiry with nobody chosen: the requester is asked whether it is still needed.
    Expired,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Open,
        Status::Offered,
        Status::Accepted,
        Status::HelperDone,
        Status::Done,
        Status::Cancelled,
        Status::Expired,
    ];

    /// A stable name (for a filter's value).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Offered => "offered",
            Status::Accepted => "accepted",
            Status::HelperDone => "helper_done",
            Status::Done => "done",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Status::Open => lang.pick("等待帮助", "Open"),
            Status::Offered => lang.pick("有人报名", "Offered"),
            Status::Accepted => lang.pick("已选定", "Accepted"),
            Status::HelperDone => lang.pick("待确认完成", "Awaiting confirmation"),
            Status::Done => lang.pick("已完成", "Done"),
            Status::Cancelled => lang.pick("已取消", "Cancelled"),
            Status::Expired => lang.pick("已过期", "Expired"),
        }
    }

    /// Still asking for helpers.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Open | Status::Offered)
    }
}

impl Request {
    /// Where the request stands at `now`. Expiry is judged on the device's clock; an offer
    /// that arrives late still shows, and the requester may extend the request to accept it.
    pub fn status(&self, now: Millis) -> Status {
        if self.cancelled_at.is_some() {
            return Status::Cancelled;
        }
        if self.confirmed_at.is_some() {
            return Status::Done;
        }
        if let Some(helper) = &self.accepted {
            let done = self
                .offers
                .iter()
                .any(|o| &o.helper == helper && o.done_at.is_some());
            return if done {
                Status::HelperDone
            } else {
                Status::Accepted
            };
        }
        if now > self.expires_at {
            return Status::Expired;
        }
        if self.offers.iter().any(|o| !o.withdrawn) {
            Status::Offered
        } else {
            Status::Open
        }
    }

    pub fn offer_of(&self, helper: &MemberId) -> Option<&Offer> {
        self.offers.iter().find(|o| &o.helper == helper)
    }

    pub fn is_hidden(&self) -> bool {
        !self.hidden.is_empty()
    }
}

/// Reads one request record; `None` if it lacks what every request has (a damaged or
/// half-synced record is skipped, never the whole list).
pub fn read_request(doc: &Automerge, id: &str) -> Option<Request> {
    let requests = map_at(doc, &ROOT, "requests")?;
    let rec = map_at(doc, &requests, id)?;
    read_record(doc, id, &rec)
}

/// One member's entry in a record's per-member map, owned.
#[derive(Clone, Debug, PartialEq)]
enum Entry {
    Str(String),
    Int(i64),
    Bool(bool),
    Other,
}

fn read_record<D: Fields + ?Sized>(doc: &D, id: &str, rec: &ObjId) -> Option<Request> {
    let mut author = None;
    let (mut category, mut title, mut details) = (String::new(), None, String::new());
    let (mut urgency, mut place) = (String::new(), String::new());
    let (mut needed_by, mut expires_at, mut created_at) = (None, None, Millis::default());
    let (mut cancelled_at, mut confirmed_at) = (None, None);
    let mut maps: [Option<ObjId>; 7] = Default::default();
    doc.fields(rec, &mut |key, v| match (key, v) {
        ("author", FieldRef::Str(s)) => author = MemberId::parse(s).ok(),
        ("category", FieldRef::Str(s)) => category = s.to_owned(),
        ("title", FieldRef::Str(s)) => title = Some(s.to_owned()),
        ("details", FieldRef::Str(s)) => details = s.to_owned(),
        ("urgency", FieldRef::Str(s)) => urgency = s.to_owned(),
        ("place", FieldRef::Str(s)) => place = s.to_owned(),
        ("needed_by", FieldRef::Int(t)) => needed_by = Some(Millis(t)),
        ("expires_at", FieldRef::Int(t)) => expires_at = Some(Millis(t)),
        ("created_at", FieldRef::Int(t)) => created_at = Millis(t),
        ("cancelled_at", FieldRef::Int(t)) => cancelled_at = Some(Millis(t)),
        ("confirmed_at", FieldRef::Int(t)) => confirmed_at = Some(Millis(t)),
        (name, FieldRef::Obj(o)) => {
            if let Some(i) = MEMBER_MAPS.iter().position(|m| *m == name) {
                maps[i] = Some(o);
            }
        }
        _ => {}
    });
    let [offers_obj, offered_at, withdrawn, done, accepts_obj, hidden_obj, hidden_at] = maps;
    // Each member's entry is one value per map; read each map once.
    let entries = |map: &Option<ObjId>| {
        let mut out: Vec<(String, Entry)> = Vec::new();
        if let Some(m) = map {
            doc.fields(m, &mut |k, v| {
                let v = match v {
                    FieldRef::Str(s) => Entry::Str(s.to_owned()),
                    FieldRef::Int(t) => Entry::Int(t),
                    FieldRef::Bool(b) => Entry::Bool(b),
                    _ => Entry::Other,
                };
                out.push((k.to_owned(), v));
            });
        }
        out
    };
    let (offered_at, withdrawn, done) = (entries(&offered_at), entries(&withdrawn), entries(&done));
    let of = |list: &[(String, Entry)], k: &str| {
        list.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let time = |e: Option<Entry>| match e {
        Some(Entry::Int(t)) => Some(Millis(t)),
        _ => None,
    };
    let mut offers: Vec<Offer> = Vec::new();
    for (helper, v) in entries(&offers_obj) {
        let (Entry::Str(note), Ok(id)) = (v, MemberId::parse(&helper)) else {
            continue;
        };
        offers.push(Offer {
            note,
            at: time(of(&offered_at, &helper)).unwrap_or_default(),
            withdrawn: of(&withdrawn, &helper) == Some(Entry::Bool(true)),
            done_at: time(of(&done, &helper)),
            helper: id,
        });
    }
    crate::sort::by(&mut offers, |a, b| {
        (a.at, &a.helper).cmp(&(b.at, &b.helper))
    });
    let mut accepts = accepts_in_order(doc, accepts_obj.as_ref()).into_iter();
    let accepted = accepts.next();
    let set_aside = accepts.collect();
    let hidden_at = entries(&hidden_at);
    let hidden = entries(&hidden_obj)
        .into_iter()
        .filter_map(|(by, v)| {
            let Entry::Str(reason) = v else {
                return None;
            };
            Some(Hidden {
                at: time(of(&hidden_at, &by)).unwrap_or_default(),
                by: MemberId::parse(&by).ok()?,
                reason,
            })
        })
        .collect();
    Some(Request {
        id: id.to_owned(),
        author: author?,
        category: Category::parse(&category),
        title: title?,
        details,
        urgency: Urgency::parse(&urgency),
        place,
        needed_by,
        expires_at: expires_at?,
        created_at,
        offers,
        accepted,
        set_aside,
        cancelled_at,
        confirmed_at,
        hidden,
    })
}

/// Acceptances made apart (two devices of the requester, offline) are all kept; every
/// replica chooses the same one: the earliest, ties broken by helper id. The chosen first.
fn accepts_in_order<D: Fields + ?Sized>(doc: &D, map: Option<&ObjId>) -> Vec<MemberId> {
    let mut accepts: Vec<(Millis, MemberId)> = Vec::new();
    if let Some(map) = map {
        doc.fields(map, &mut |helper, v| {
            if let (FieldRef::Int(at), Ok(h)) = (v, MemberId::parse(helper)) {
                accepts.push((Millis(at), h));
            }
        });
    }
    crate::sort::by(&mut accepts, Ord::cmp);
    accepts.into_iter().map(|(_, h)| h).collect()
}

/// A request its requester confirmed done and never cancelled: what points pay for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    pub id: String,
    pub requester: MemberId,
    pub helper: MemberId,
    pub confirmed_at: Millis,
    /// The op that wrote the confirmation: its change tells whether a certificate holds it.
    pub confirmed_op: ObjId,
}

/// Every settled request, read without the offers, notes and hidings a page shows: a
/// year's ledger reads thousands of requests.
pub fn settled(doc: &Automerge) -> Vec<Settled> {
    use automerge::{ReadDoc, ScalarValueRef, ValueRef};
    records(doc, "requests")
        .into_iter()
        .filter_map(|(id, rec)| {
            let (mut author, mut confirmed, mut cancelled, mut accepts) = (None, None, false, None);
            for item in doc.map_range(&rec, ..) {
                match (item.key.as_ref(), &item.value) {
                    ("author", ValueRef::Scalar(ScalarValueRef::Str(s))) => {
                        author = MemberId::parse(s).ok()
                    }
                    ("confirmed_at", ValueRef::Scalar(ScalarValueRef::Int(t))) => {
                        confirmed = Some((Millis(*t), item.id()))
                    }
                    ("cancelled_at", ValueRef::Scalar(ScalarValueRef::Int(_))) => cancelled = true,
                    ("accepts", ValueRef::Object(_)) => accepts = Some(item.id()),
                    _ => {}
                }
            }
            let (confirmed_at, confirmed_op) = confirmed.filter(|_| !cancelled)?;
            let helper = accepts_in_order(doc, accepts.as_ref()).into_iter().next()?;
            Some(Settled {
                id,
                requester: author?,
                helper,
                confirmed_at,
                confirmed_op,
            })
        })
        .collect()
}

/// Every request the document holds, in no particular order.
pub fn requests(doc: &Automerge) -> Vec<Request> {
    let Some(map) = map_at(doc, &ROOT, "requests") else {
        return Vec::new();
    };
    // Read whole, in one pass: a month is thousands of records of eight maps each.
    let tree = Tree::of(doc, &map);
    let mut out = Vec::new();
    tree.fields(&map, &mut |id, v| {
        if let FieldRef::Obj(rec) = v {
            out.extend(read_record(&tree, id, &rec));
        }
    });
    out
}

/// What the list shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// `None`: every status.
    pub status: Option<Status>,
    pub category: Option<Category>,
}

/// The list as `viewer` sees it: hidden requests only for staff; most urgent first, then
/// newest, ties by id so every replica lists alike.
pub fn list(doc: &Automerge, now: Millis, filter: &Filter, viewer: &Role) -> Vec<Request> {
    let mut out: Vec<Request> = requests(doc)
        .into_iter()
        .filter(|r| shows(r, now, filter, viewer))
        .collect();
    sort(&mut out);
    out
}

/// The requests, read once and then following the document's changes: a view keeps one and
/// lists from it with [`list_of`] after each batch it hears.
pub fn follow(doc: &Automerge) -> Followed<Request> {
    Followed::with_tree(doc, "requests", read_record, read_record)
}

/// [`list`], from requests already read (a [`follow`]ed set).
pub fn list_of<'a>(
    requests: impl IntoIterator<Item = &'a Request>,
    now: Millis,
    filter: &Filter,
    viewer: &Role,
) -> Vec<Request> {
    let mut out: Vec<Request> = requests
        .into_iter()
        .filter(|r| shows(r, now, filter, viewer))
        .cloned()
        .collect();
    sort(&mut out);
    out
}

fn shows(r: &Request, now: Millis, filter: &Filter, viewer: &Role) -> bool {
    (*viewer == Role::Staff || !r.is_hidden())
        && filter.status.is_none_or(|s| r.status(now) == s)
        && filter.category.as_ref().is_none_or(|c| &r.category == c)
}

/// The list's order: most urgent first, then newest, ties by id so every replica lists
/// alike.
pub fn order(a: &Request, b: &Request) -> std::cmp::Ordering {
    b.urgency
        .rank()
        .cmp(&a.urgency.rank())
        .then(b.created_at.cmp(&a.created_at))
        .then(a.id.cmp(&b.id))
}

fn sort(list: &mut [Request]) {
    crate::sort::by(list, order);
}

/// The requests `me` posted, newest first.
pub fn my_requests(doc: &Automerge, me: &MemberId) -> Vec<Request> {
    my_requests_of(&requests(doc), me)
}

/// [`my_requests`], from requests already read (a [`follow`]ed set).
pub fn my_requests_of<'a>(
    requests: impl IntoIterator<Item = &'a Request>,
    me: &MemberId,
) -> Vec<Request> {
    let mut out: Vec<Request> = requests
        .into_iter()
        .filter(|r| &r.author == me)
        .cloned()
        .collect();
    crate::sort::by(&mut out, |a, b| {
        b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id))
    });
    out
}

/// The requests `me` offered to help with (withdrawn offers too), newest offer first.
pub fn my_offers(doc: &Automerge, me: &MemberId) -> Vec<Request> {
    my_offers_of(&requests(doc), me)
}

/// [`my_offers`], from requests already read (a [`follow`]ed set).
pub fn my_offers_of<'a>(
    requests: impl IntoIterator<Item = &'a Request>,
    me: &MemberId,
) -> Vec<Request> {
    let mut out: Vec<Request> = requests
        .into_iter()
        .filter(|r| r.offer_of(me).is_some())
        .cloned()
        .collect();
    crate::sort::by_key(&mut out, |r| {
        std::cmp::Reverse(r.offer_of(me).map(|o| o.at))
    });
    out
}
