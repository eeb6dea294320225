//! What a patrol document holds, read back record by record: one odd record never breaks
//! the list.

use crate::directory::Place;
use crate::read::{each_field, map_at, records, FieldRef};
use crate::{MemberId, Millis};
use automerge::{Automerge, ObjId, ReadDoc, ROOT};

/// An enum stored as a string, read with an `Unknown` fallback (DESIGN.md).
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal / $zh:literal / $en:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)+ Unknown(String) }

        impl $name {
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];
            /// The strings stored, for the write rules' `OneOf`.
            pub const STORED: &'static [&'static str] = &[$($s),+];

            pub fn as_str(&self) -> &str {
                match self { $($name::$variant => $s,)+ $name::Unknown(s) => s }
            }

            pub fn parse(s: &str) -> $name {
                match s { $($s => $name::$variant,)+ other => $name::Unknown(other.to_owned()) }
            }

            pub fn label(&self, lang: $crate::Lang) -> &str {
                match self {
                    $($name::$variant => lang.pick($zh, $en),)+
                    $name::Unknown(_) => lang.pick("未知", "Unknown"),
                }
            }
        }
    };
}
pub(crate) use string_enum;

string_enum!(
    /// The five duties of a round (巡查、劝导、教育、宣传、执法).
    Duty {
        Inspect = "inspect" / "巡查" / "Inspect",
        Dissuade = "dissuade" / "劝导" / "Dissuade",
        Educate = "educate" / "教育" / "Educate",
        Publicise = "publicise" / "宣传" / "Publicise",
        Enforce = "enforce" / "执法" / "Enforce",
    }
);

string_enum!(
    /// What kind of problem: it suggests the department responsible.
    Category {
        Sanitation = "sanitation" / "环境卫生" / "Sanitation",
        Parking = "parking" / "违章停车" / "Illegal parking",
        Hazard = "hazard" / "安全隐患" / "Safety hazard",
        Building = "building" / "房屋危险" / "Building danger",
        Dispute = "dispute" / "邻里纠纷" / "Neighbour dispute",
        Facility = "facility" / "设施损坏" / "Facility damage",
        Other = "other" / "其他" / "Other",
    }
);

string_enum!(
    Outcome {
        Resolved = "resolved" / "当场解决" / "Solved on the spot",
        Escalated = "escalated" / "上报部门" / "Escalated",
    }
);

string_enum!(
    StepKind {
        Start = "start" / "开始" / "Started",
        Pause = "pause" / "暂停" / "Paused",
        Resume = "resume" / "继续" / "Resumed",
        End = "end" / "结束" / "Ended",
    }
);

/// The department ids each category suggests, most likely first; the first that serves
/// the community is offered (a deployment names its departments; these are the city's).
const SUGGESTS: &[(&str, &[&str])] = &[
    ("sanitation", &["city_mgmt", "sanitation"]),
    ("parking", &["traffic", "city_mgmt"]),
    ("hazard", &["emergency", "fire"]),
    ("building", &["housing"]),
    ("facility", &["water", "utilities", "city_mgmt"]),
];

/// The department a problem of `category` most likely belongs to, among those serving.
pub fn suggest_department(category: &Category, serving: &[Place]) -> Option<String> {
    let (_, ids) = SUGGESTS.iter().find(|(c, _)| *c == category.as_str())?;
    ids.iter()
        .find(|id| serving.iter().any(|p| p.id == **id))
        .map(|id| (*id).to_owned())
}

/// Where the device was when a step or an observation was logged. A denied or unavailable
/// position is recorded as such: it never blocks logging, and nothing is made up for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    /// Degrees times a million, and the accuracy the device reported, in metres.
    Fix {
        lat_e6: i32,
        lon_e6: i32,
        accuracy_m: u32,
    },
    Denied,
    Unavailable,
}

impl Position {
    pub fn encode(&self) -> String {
        match self {
            Position::Fix {
                lat_e6,
                lon_e6,
                accuracy_m,
            } => format!("{lat_e6},{lon_e6},{accuracy_m}"),
            Position::Denied => "denied".into(),
            Position::Unavailable => "unavailable".into(),
        }
    }

    /// A value that does not read is taken as no position, never as a place.
    pub fn parse(s: &str) -> Position {
        match s {
            "denied" => Position::Denied,
            _ => {
                let mut parts = s.split(',').map(str::parse::<i64>);
                match (parts.next(), parts.next(), parts.next(), parts.next()) {
                    (Some(Ok(lat)), Some(Ok(lon)), Some(Ok(acc)), None)
                        if lat.abs() <= 90_000_000
                            && lon.abs() <= 180_000_000
                            && (0..=1_000_000).contains(&acc) =>
                    {
                        Position::Fix {
                            lat_e6: lat as i32,
                            lon_e6: lon as i32,
                            accuracy_m: acc as u32,
                        }
                    }
                    _ => Position::Unavailable,
                }
            }
        }
    }
}

/// One step of a patrol, stored as `"<kind>;<claimed ms>;<position>"`: one value in one op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
    pub at: Millis,
    pub position: Position,
}

impl Step {
    pub(crate) fn encode(kind: &StepKind, at: Millis, position: &Position) -> String {
        format!("{};{};{}", kind.as_str(), at.0, position.encode())
    }

    fn parse(id: &str, s: &str) -> Option<Step> {
        let mut parts = s.splitn(3, ';');
        let kind = StepKind::parse(parts.next()?);
        let at = Millis(parts.next()?.parse().ok()?);
        let position = Position::parse(parts.next().unwrap_or(""));
        Some(Step {
            id: id.to_owned(),
            kind,
            at,
            position,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatrolStatus {
    Running,
    Paused,
    Ended,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub id: String,
    pub at: Millis,
    pub position: Position,
    pub duty: Duty,
    pub category: Category,
    pub description: String,
    pub outcome: Outcome,
    /// What was done on the spot.
    pub action: String,
    /// The department it was escalated to.
    pub department: Option<String>,
    /// The resident's report it answers (`<member>/<report id>`), if any.
    pub report: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patrol {
    pub id: String,
    pub author: MemberId,
    pub team: String,
    /// In the order they count: claimed time, then id (the same on every replica).
    pub steps: Vec<Step>,
    pub status: PatrolStatus,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub observations: Vec<Observation>,
    /// The track's chunks by key (start time first, so key order is time order).
    pub track: Vec<(String, Vec<u8>)>,
}

impl Patrol {
    /// The fixes of the whole track, in time order.
    pub fn fixes(&self) -> Vec<super::TrackFix> {
        let mut out: Vec<super::TrackFix> = self
            .track
            .iter()
            .flat_map(|(_, bytes)| super::decode(bytes).unwrap_or_default())
            .collect();
        crate::sort::by_key(&mut out, |f| f.at);
        out
    }
}

/// Folds the steps: a start runs, a pause pauses a running patrol, a resume runs a paused
/// one, an end ends it whatever came before (two devices ending apart end it once).
pub(crate) fn status_of(steps: &[Step]) -> PatrolStatus {
    let mut status = PatrolStatus::Running;
    for s in steps {
        status = match (status, &s.kind) {
            (PatrolStatus::Ended, _) => PatrolStatus::Ended,
            (_, StepKind::End) => PatrolStatus::Ended,
            (PatrolStatus::Running, StepKind::Pause) => PatrolStatus::Paused,
            (PatrolStatus::Paused, StepKind::Resume) => PatrolStatus::Running,
            (s, _) => s,
        };
    }
    status
}

fn read_observation(doc: &Automerge, id: &str, obj: &ObjId) -> Option<Observation> {
    let mut o = Observation {
        id: id.to_owned(),
        at: Millis(0),
        position: Position::Unavailable,
        duty: Duty::Unknown(String::new()),
        category: Category::Unknown(String::new()),
        description: String::new(),
        outcome: Outcome::Unknown(String::new()),
        action: String::new(),
        department: None,
        report: None,
    };
    let mut seen_at = false;
    each_field(doc, obj, |k, v| match (k, v) {
        ("at", FieldRef::Int(i)) => {
            o.at = Millis(i);
            seen_at = true;
        }
        ("position", FieldRef::Str(s)) => o.position = Position::parse(s),
        ("duty", FieldRef::Str(s)) => o.duty = Duty::parse(s),
        ("category", FieldRef::Str(s)) => o.category = Category::parse(s),
        ("description", FieldRef::Str(s)) => o.description = s.to_owned(),
        ("outcome", FieldRef::Str(s)) => o.outcome = Outcome::parse(s),
        ("action", FieldRef::Str(s)) => o.action = s.to_owned(),
        ("department", FieldRef::Str(s)) => o.department = Some(s.to_owned()),
        ("report", FieldRef::Str(s)) => o.report = Some(s.to_owned()),
        _ => {}
    });
    seen_at.then_some(o)
}

fn read_at(doc: &Automerge, id: &str, rec: &ObjId) -> Option<Patrol> {
    let mut author = None;
    let mut team = String::new();
    let (mut steps_map, mut track_map, mut obs_map) = (None, None, None);
    each_field(doc, rec, |k, v| match (k, v) {
        ("author", FieldRef::Str(s)) => author = MemberId::parse(s).ok(),
        ("team", FieldRef::Str(s)) => team = s.to_owned(),
        ("steps", FieldRef::Obj(o)) => steps_map = Some(o),
        ("track", FieldRef::Obj(o)) => track_map = Some(o),
        ("observations", FieldRef::Obj(o)) => obs_map = Some(o),
        _ => {}
    });
    let mut steps = Vec::new();
    if let Some(m) = &steps_map {
        each_field(doc, m, |k, v| {
            if let FieldRef::Str(s) = v {
                steps.extend(Step::parse(k, s));
            }
        });
    }
    crate::sort::by(&mut steps, |a, b| {
        a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id))
    });
    let start = steps.iter().find(|s| s.kind == StepKind::Start)?.at;
    let mut track = Vec::new();
    if let Some(m) = &track_map {
        for item in doc.map_range(m, ..) {
            if let automerge::ValueRef::Scalar(automerge::ScalarValueRef::Bytes(b)) = &item.value {
                track.push((item.key.to_string(), b.to_vec()));
            }
        }
    }
    let mut observations = Vec::new();
    if let Some(m) = &obs_map {
        let mut objs = Vec::new();
        each_field(doc, m, |k, v| {
            if let FieldRef::Obj(o) = v {
                objs.push((k.to_owned(), o));
            }
        });
        for (k, o) in objs {
            observations.extend(read_observation(doc, &k, &o));
        }
    }
    crate::sort::by(&mut observations, |a, b| {
        a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id))
    });
    let status = status_of(&steps);
    let ended_at = steps.iter().find(|s| s.kind == StepKind::End).map(|s| s.at);
    Some(Patrol {
        id: id.to_owned(),
        author: author?,
        team,
        steps,
        status,
        started_at: start,
        ended_at,
        observations,
        track,
    })
}

/// One patrol, if it reads.
pub fn read_patrol(doc: &Automerge, id: &str) -> Option<Patrol> {
    let map = map_at(doc, &ROOT, "patrols")?;
    let rec = map_at(doc, &map, id)?;
    read_at(doc, id, &rec)
}

/// The patrols, read once and then following the document's changes (a worker's month
/// of rounds, as the staff dashboard and the worker's page list them).
pub fn follow(doc: &Automerge) -> crate::follow::Followed<Patrol> {
    crate::follow::Followed::new(doc, "patrols", read_at)
}

/// Every patrol of the document, latest start first.
pub fn patrols(doc: &Automerge) -> Vec<Patrol> {
    let mut out: Vec<Patrol> = records(doc, "patrols")
        .into_iter()
        .filter_map(|(id, rec)| read_at(doc, &id, &rec))
        .collect();
    crate::sort::by(&mut out, latest_first);
    out
}

/// The observations escalated to a department, of the patrols [`patrols`] reads (of
/// `author`'s alone, when given): only the fields that decide it are read, not whole patrols
/// with their tracks. Sync asks this of every patrol document a device holds; reading no
/// more keeps it quick over a worker's month, and keeps the whole patrol reader out of the
/// app's first load.
pub(crate) fn escalated(doc: &Automerge, author: Option<&MemberId>) -> Vec<String> {
    let mut out = Vec::new();
    for (_, rec) in records(doc, "patrols") {
        let mut by = None;
        let (mut steps, mut observations) = (None, None);
        each_field(doc, &rec, |k, v| match (k, v) {
            ("author", FieldRef::Str(s)) => by = MemberId::parse(s).ok(),
            ("steps", FieldRef::Obj(o)) => steps = Some(o),
            ("observations", FieldRef::Obj(o)) => observations = Some(o),
            _ => {}
        });
        let Some(by) = by else { continue };
        if author.is_some_and(|a| *a != by) {
            continue;
        }
        // A patrol reads only once it has started.
        let mut started = false;
        if let Some(m) = &steps {
            each_field(doc, m, |_, v| {
                if let FieldRef::Str(s) = v {
                    let mut parts = s.splitn(3, ';');
                    started |= parts.next().map(StepKind::parse) == Some(StepKind::Start)
                        && parts.next().is_some_and(|at| at.parse::<i64>().is_ok());
                }
            });
        }
        let (true, Some(m)) = (started, &observations) else {
            continue;
        };
        let mut objs = Vec::new();
        each_field(doc, m, |k, v| {
            if let FieldRef::Obj(o) = v {
                objs.push((k.to_owned(), o));
            }
        });
        for (id, obj) in objs {
            let (mut at, mut outcome, mut department) = (false, None, false);
            each_field(doc, &obj, |k, v| match (k, v) {
                ("at", FieldRef::Int(_)) => at = true,
                ("outcome", FieldRef::Str(s)) => outcome = Some(Outcome::parse(s)),
                ("department", FieldRef::Str(_)) => department = true,
                _ => {}
            });
            if at && department && outcome == Some(Outcome::Escalated) {
                out.push(id);
            }
        }
    }
    out
}

/// [`patrols`], from patrols already read (a [`follow`]ed set).
pub fn patrols_of<'a>(patrols: impl IntoIterator<Item = &'a Patrol>) -> Vec<Patrol> {
    let mut out: Vec<Patrol> = patrols.into_iter().cloned().collect();
    crate::sort::by(&mut out, latest_first);
    out
}

fn latest_first(a: &Patrol, b: &Patrol) -> std::cmp::Ordering {
    b.started_at
        .cmp(&a.started_at)
        .then_with(|| a.id.cmp(&b.id))
}
