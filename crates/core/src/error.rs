//! One error type for every refusal, each with a message a person can read in either language.

use crate::Lang;
use std::fmt;

pub type Result<T, E = LinliError> = std::result::Result<T, E>;

/// A form field, named in errors so the message says which one is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    DisplayName,
    About,
    Skill,
    Title,
    Details,
    Place,
    Note,
    Reason,
    Expiry,
    NeededBy,
    Contact,
    Message,
    Options,
    Choice,
    Window,
    Quorum,
    Grace,
    Support,
    Item,
    Member,
    Amount,
    Rates,
    Event,
    Team,
    Description,
    Action,
    Department,
    Deadlines,
    Grid,
}

impl Field {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Field::DisplayName => lang.pick("昵称", "Display name"),
            Field::About => lang.pick("自我介绍", "About me"),
            Field::Skill => lang.pick("我能帮忙的事", "Something I can help with"),
            Field::Title => lang.pick("标题", "Title"),
            Field::Details => lang.pick("详细说明", "Details"),
            Field::Place => lang.pick("大致位置", "Rough location"),
            Field::Note => lang.pick("留言", "Note"),
            Field::Reason => lang.pick("原因", "Reason"),
            Field::Expiry => lang.pick("有效天数", "Days it stays open"),
            Field::NeededBy => lang.pick("需要的时间", "Needed by"),
            Field::Contact => lang.pick("联系方式", "How to reach you"),
            Field::Message => lang.pick("消息", "Message"),
            Field::Options => lang.pick("选项", "Options"),
            Field::Choice => lang.pick("投票选择", "Your choice"),
            Field::Window => lang.pick("投票时间", "Voting window"),
            Field::Quorum => lang.pick("参与率和通过线", "Quorum and pass mark"),
            Field::Grace => lang.pick("宽限期（1 到 336 小时）", "Grace period (1 to 336 hours)"),
            Field::Support => lang.pick("支持比例（1% 到 100%）", "Support share (1% to 100%)"),
            Field::Item => lang.pick("兑换项目", "Item"),
            Field::Member => lang.pick("居民", "Member"),
            Field::Amount => lang.pick("积分数（1 到 10000）", "Points (1 to 10,000)"),
            Field::Rates => lang.pick(
                "积分规则（从今天或以后生效，每项 0 到 10000）",
                "Point rules (from today on, each 0 to 10,000)",
            ),
            Field::Event => lang.pick("活动名称", "Activity"),
            Field::Team => lang.pick("同行人员", "Who went along"),
            Field::Description => lang.pick("问题描述", "What was found"),
            Field::Action => lang.pick("处置情况", "What was done"),
            Field::Department => lang.pick("责任部门", "Department"),
            Field::Deadlines => lang.pick(
                "办理时限（签收 1 到 720 小时，办结 1 到 90 天）",
                "Deadlines (acknowledge 1 to 720 hours, resolve 1 to 90 days)",
            ),
            Field::Grid => lang.pick("所在网格", "Grid"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinliError {
    /// An id that is not of its kind's form.
    BadId,
    /// A required field left blank (spaces count as blank).
    Empty(Field),
    /// A field longer than its limit, in characters.
    TooLong { field: Field, max: usize },
    /// The record named does not exist (or is no longer there).
    NotFound,
    /// A write the module's rules forbid to this member; `path` names where it tried to write.
    Forbidden { path: String },
    /// A value of a kind the rules do not allow at `path` (a number where text belongs, a
    /// category no version knows).
    BadValue { path: String },
    /// A document written by a newer schema: read it, but do not write until the app updates.
    SchemaTooNew { found: u64, known: u64 },
    /// Bytes that do not decode as a document or a change.
    Damaged(String),
    /// A value outside what the field allows (a date in the past, too many days).
    OutOfRange { field: Field },
    /// The request is cancelled, done or expired: it no longer takes this action.
    RequestClosed,
    /// The requester already chose a helper.
    AlreadyAccepted,
    /// That neighbour has not offered to help (or withdrew).
    NoSuchOffer,
    /// One cannot offer to help with one's own request.
    OwnRequest,
    /// Only once a helper is chosen (and only that helper, for marking it done).
    NotChosen,
    /// The record is already there (a second creation of the same proposal or comment).
    AlreadyExists,
    /// The proposal is not in a state that takes this action.
    WrongState,
    /// Voting has opened: the proposal can no longer be edited, rescheduled or withdrawn.
    VotingOpened,
    /// A ballot outside the voting window.
    NotVoting,
    /// A choice the vote does not offer.
    NoSuchChoice,
    /// More choices than the vote allows.
    TooManyChoices { max: usize },
    /// Someone who is not a member of the community.
    NotAMember,
    /// An item the catalogue does not offer.
    NoSuchItem,
    /// The patrol is paused or ended: an observation, a pause or a track needs it running.
    PatrolNotRunning,
    /// The patrol has ended: it takes no more steps.
    PatrolEnded,
    /// An escalation addressed to another department than the officer's.
    OtherDepartment,
    /// The escalation is not at a stage that takes this step (acknowledging twice,
    /// confirming a fix nobody reported).
    StepNotNow,
}

impl LinliError {
    /// The message shown to the person, in their language.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (LinliError::BadId, Lang::Zh) => "编号格式不正确。".into(),
            (LinliError::BadId, Lang::En) => "That id is not valid.".into(),
            (LinliError::Empty(f), Lang::Zh) => format!("请填写“{}”。", f.label(lang)),
            (LinliError::Empty(f), Lang::En) => format!("{} cannot be empty.", f.label(lang)),
            (LinliError::TooLong { field, max }, Lang::Zh) => {
                format!("“{}”最多 {max} 个字。", field.label(lang))
            }
            (LinliError::TooLong { field, max }, Lang::En) => {
                format!("{} can be at most {max} characters.", field.label(lang))
            }
            (LinliError::NotFound, Lang::Zh) => "找不到这条记录，它可能已被删除。".into(),
            (LinliError::NotFound, Lang::En) => {
                "That record could not be found; it may have been removed.".into()
            }
            (LinliError::BadValue { .. }, Lang::Zh) => "修改里有一项内容不符合要求。".into(),
            (LinliError::BadValue { .. }, Lang::En) => {
                "Something in the change is not a value this field takes.".into()
            }
            (LinliError::Forbidden { .. }, Lang::Zh) => "你没有权限做这项修改。".into(),
            (LinliError::Forbidden { .. }, Lang::En) => {
                "You are not allowed to make this change.".into()
            }
            (LinliError::SchemaTooNew { .. }, Lang::Zh) => {
                "这份数据来自更新版本的应用，请先更新后再修改。".into()
            }
            (LinliError::SchemaTooNew { .. }, Lang::En) => {
                "This data comes from a newer version of the app; update before editing it.".into()
            }
            (LinliError::Damaged(_), Lang::Zh) => "数据已损坏，无法读取。".into(),
            (LinliError::Damaged(_), Lang::En) => "The data is damaged and cannot be read.".into(),
            (LinliError::OutOfRange { field }, Lang::Zh) => {
                format!("“{}”的值不在允许的范围内。", field.label(lang))
            }
            (LinliError::OutOfRange { field }, Lang::En) => {
                format!("{} is outside the allowed range.", field.label(lang))
            }
            (LinliError::RequestClosed, Lang::Zh) => {
                "这条求助已经结束（已取消、已完成或已过期），不能再这样操作。".into()
            }
            (LinliError::RequestClosed, Lang::En) => {
                "This request is closed (cancelled, done or expired); that is no longer possible."
                    .into()
            }
            (LinliError::AlreadyAccepted, Lang::Zh) => "已经选定了帮忙的邻居。".into(),
            (LinliError::AlreadyAccepted, Lang::En) => "A helper has already been chosen.".into(),
            (LinliError::NoSuchOffer, Lang::Zh) => "这位邻居没有报名帮忙，或已撤回。".into(),
            (LinliError::NoSuchOffer, Lang::En) => {
                "That neighbour has not offered to help, or withdrew.".into()
            }
            (LinliError::OwnRequest, Lang::Zh) => "不能给自己的求助报名。".into(),
            (LinliError::OwnRequest, Lang::En) => {
                "You cannot offer help on your own request.".into()
            }
            (LinliError::AlreadyExists, Lang::Zh) => "这条记录已经存在。".into(),
            (LinliError::AlreadyExists, Lang::En) => "That record already exists.".into(),
            (LinliError::WrongState, Lang::Zh) => "这项议题现在不能这样操作。".into(),
            (LinliError::WrongState, Lang::En) => {
                "The proposal does not take that action now.".into()
            }
            (LinliError::VotingOpened, Lang::Zh) => {
                "投票已经开始，议题不能再修改、改期或撤回。".into()
            }
            (LinliError::VotingOpened, Lang::En) => {
                "Voting has opened: the proposal can no longer be edited, moved or withdrawn."
                    .into()
            }
            (LinliError::NotVoting, Lang::Zh) => "现在不在投票时间内。".into(),
            (LinliError::NotVoting, Lang::En) => "Voting is not open now.".into(),
            (LinliError::NoSuchChoice, Lang::Zh) => "没有这个选项。".into(),
            (LinliError::NoSuchChoice, Lang::En) => "That is not one of the choices.".into(),
            (LinliError::TooManyChoices { max }, Lang::Zh) => format!("最多可以选 {max} 项。"),
            (LinliError::TooManyChoices { max }, Lang::En) => {
                format!("You can pick at most {max}.")
            }
            (LinliError::NotAMember, Lang::Zh) => "这位不是本社区的居民。".into(),
            (LinliError::NotAMember, Lang::En) => {
                "That person is not a member of this community.".into()
            }
            (LinliError::NoSuchItem, Lang::Zh) => "兑换目录里没有这一项。".into(),
            (LinliError::NoSuchItem, Lang::En) => "The catalogue does not offer that item.".into(),
            (LinliError::PatrolNotRunning, Lang::Zh) => {
                "巡查没有在进行中，请先开始或继续巡查。".into()
            }
            (LinliError::PatrolNotRunning, Lang::En) => {
                "The patrol is not running: start or resume it first.".into()
            }
            (LinliError::PatrolEnded, Lang::Zh) => "这次巡查已经结束。".into(),
            (LinliError::PatrolEnded, Lang::En) => "This patrol has already ended.".into(),
            (LinliError::OtherDepartment, Lang::Zh) => {
                "这件事交办给的是其他部门，你不能处理。".into()
            }
            (LinliError::OtherDepartment, Lang::En) => {
                "This case is addressed to another department; you cannot act on it.".into()
            }
            (LinliError::StepNotNow, Lang::Zh) => "这件事现在不能做这一步。".into(),
            (LinliError::StepNotNow, Lang::En) => {
                "The case is not at a stage that takes this step.".into()
            }
            (LinliError::NotChosen, Lang::Zh) => "还没有选定帮忙的邻居，或选定的不是你。".into(),
            (LinliError::NotChosen, Lang::En) => {
                "No helper has been chosen yet, or the chosen helper is someone else.".into()
            }
        }
    }
}

/// English with the technical detail, for logs and the server's close reasons.
impl fmt::Display for LinliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))?;
        match self {
            LinliError::Forbidden { path } | LinliError::BadValue { path } => {
                write!(f, " (at {path})")
            }
            LinliError::SchemaTooNew { found, known } => {
                write!(f, " (document schema {found}, app knows {known})")
            }
            LinliError::Damaged(detail) => write!(f, " ({detail})"),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for LinliError {}

impl From<automerge::AutomergeError> for LinliError {
    fn from(e: automerge::AutomergeError) -> Self {
        LinliError::Damaged(e.to_string())
    }
}

/// Checks a text field: trimmed, not blank, at most `max` characters. Returns the trimmed text.
pub fn check_text(field: Field, text: &str, max: usize) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(LinliError::Empty(field));
    }
    if t.chars().count() > max {
        return Err(LinliError::TooLong { field, max });
    }
    Ok(t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_checks_trim_and_count_characters_not_bytes() {
        assert_eq!(check_text(Field::Skill, "  修水管 ", 3).unwrap(), "修水管");
        assert_eq!(
            check_text(Field::Skill, "   ", 3),
            Err(LinliError::Empty(Field::Skill))
        );
        assert_eq!(
            check_text(Field::Skill, "修水管道", 3),
            Err(LinliError::TooLong {
                field: Field::Skill,
                max: 3
            })
        );
    }

    #[test]
    fn every_error_reads_in_both_languages() {
        let all = [
            LinliError::BadId,
            LinliError::Empty(Field::About),
            LinliError::TooLong {
                field: Field::About,
                max: 5,
            },
            LinliError::NotFound,
            LinliError::Forbidden { path: "x".into() },
            LinliError::BadValue { path: "x".into() },
            LinliError::SchemaTooNew { found: 2, known: 1 },
            LinliError::Damaged("x".into()),
            LinliError::OutOfRange {
                field: Field::Expiry,
            },
            LinliError::RequestClosed,
            LinliError::AlreadyAccepted,
            LinliError::NoSuchOffer,
            LinliError::OwnRequest,
            LinliError::NotChosen,
            LinliError::AlreadyExists,
            LinliError::WrongState,
            LinliError::VotingOpened,
            LinliError::NotVoting,
            LinliError::NoSuchChoice,
            LinliError::TooManyChoices { max: 2 },
            LinliError::PatrolNotRunning,
            LinliError::PatrolEnded,
            LinliError::OtherDepartment,
            LinliError::StepNotNow,
        ];
        for e in all {
            let zh = e.message(Lang::Zh);
            let en = e.message(Lang::En);
            assert!(!zh.is_empty() && !en.is_empty() && zh != en, "{e:?}");
            assert!(
                zh.chars().any(|c| c as u32 > 0x2E80),
                "zh message is Chinese: {zh}"
            );
        }
    }
}
