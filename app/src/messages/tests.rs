//! The message tables as a spec: every key has a text in both languages (the compiler checks
//! that the `match`es are exhaustive), none is empty, the Chinese one is translated, both take
//! the same arguments; and rendering puts each argument in its language's place.

use strum::VariantArray as _;

use super::{Key, operation_text};
use crate::model::{Message, Operation};
use crate::ui::lang::Lang;

/// Chinese characters or Chinese punctuation (`：`, `；`, `（）` are the whole translation of a
/// template that only joins other messages, like `{}：{}`).
fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
            || ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
    })
}

#[test]
fn every_key_has_a_text_in_every_language() {
    for &key in Key::VARIANTS {
        for lang in Lang::ALL {
            assert!(!key.text(lang).trim().is_empty(), "{lang:?}: {key:?} is empty");
        }
        assert!(has_cjk(key.text(Lang::ZhCn)), "{key:?} is not translated: {:?}", key.text(Lang::ZhCn));
    }
}

#[test]
fn templates_have_the_same_placeholders_in_every_language() {
    for &key in Key::VARIANTS {
        let (en, zh) = (key.text(Lang::En), key.text(Lang::ZhCn));
        assert_eq!(en.matches("{}").count(), zh.matches("{}").count(), "{key:?}: {en:?} / {zh:?}");
    }
}

#[test]
fn placeholders_are_plain_and_positional() {
    // `fill` knows only `{}`: a `{0}` or `{name}` would be shown as it is. Route templates that
    // show literal `{repo}`/`{tag}` to the reader are the exception.
    for &key in Key::VARIANTS {
        for lang in Lang::ALL {
            let text = key.text(lang).replace("{}", "").replace("{repo}", "").replace("{tag}", "");
            assert!(!text.contains('{') && !text.contains('}'), "{lang:?} {key:?}: {:?}", key.text(lang));
        }
    }
}

#[test]
fn every_operation_has_a_chinese_name() {
    for &operation in Operation::VARIANTS {
        assert!(has_cjk(operation_text(operation, Lang::ZhCn)), "{operation:?}");
        assert_eq!(operation_text(operation, Lang::En), operation.describe());
    }
}

#[test]
fn codes_are_stable_snake_case_and_round_trip() {
    assert_eq!(Key::JobNotFound.code(), "job_not_found");
    for &key in Key::VARIANTS {
        assert_eq!(Key::from_code(key.code()), Some(key));
        assert!(key.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{}", key.code());
    }
    assert_eq!(Key::from_code("no_such_key"), None);
}

#[test]
fn a_message_renders_in_the_language_asked_with_its_arguments_verbatim() {
    let message = crate::msg!(JobNotFound, "j-42");
    assert_eq!(
        message.render(Lang::En),
        "no job with id j-42: it never existed or was removed by SYNC_JOB_RETENTION"
    );
    assert_eq!(
        message.render(Lang::ZhCn),
        "没有 ID 为 j-42 的任务：它从未存在，或已按 SYNC_JOB_RETENTION 被清理"
    );
    assert_eq!(message.to_string(), message.render(Lang::En));
    assert_eq!(message.code(), Some("job_not_found"));
    // Finished text (a registry's reason) is the same in every language and has no code.
    let verbatim = Message::from("MANIFEST_UNKNOWN: manifest unknown");
    assert_eq!(verbatim.render(Lang::ZhCn), "MANIFEST_UNKNOWN: manifest unknown");
    assert_eq!(verbatim.code(), None);
}

#[test]
fn nested_messages_and_operations_render_in_the_same_language() {
    let message = crate::msg!(AuthRequired, crate::msg!(HowToSignInUi));
    assert_eq!(message.render(Lang::En), "authentication required: sign in at /login");
    assert_eq!(message.render(Lang::ZhCn), "需要身份验证：请在 /login 登录");
    let message = crate::msg!(ReadOnly, Operation::DeleteTag);
    assert!(message.render(Lang::En).contains("cannot delete a tag:"));
    assert!(message.render(Lang::ZhCn).contains("无法删除标签："));
}

#[test]
fn stored_messages_read_back_the_same_and_unknown_ones_do_not() {
    let message = crate::msg!(RoleTooLow, "ana", "viewer", Operation::DeleteTag, "operator");
    let Message::Keyed(keyed) = &message else { unreachable!() };
    let back = super::Keyed::from_stored(&keyed.to_stored()).expect("reads back");
    assert_eq!(&back, keyed);
    let nested = crate::msg!(SessionEnded, crate::msg!(HowToSignInApi));
    let Message::Keyed(keyed) = &nested else { unreachable!() };
    assert_eq!(super::Keyed::from_stored(&keyed.to_stored()).as_ref(), Some(keyed));
    assert_eq!(super::Keyed::from_stored(r#"{"key":"gone_in_this_build","args":[]}"#), None);
    assert_eq!(super::Keyed::from_stored("not json"), None);
}

#[test]
fn localized_messages_are_finished_text_and_serialise_as_text() {
    let message = crate::msg!(NoSuchToken, "abc").localized(Lang::ZhCn);
    assert_eq!(message, Message::Text("没有 ID 为 abc 的 API 令牌".to_owned()));
    let json = serde_json::to_value(crate::msg!(NoSuchToken, "abc")).unwrap();
    assert_eq!(json, serde_json::json!("no API token with id abc"));
}

#[test]
fn joined_messages_read_as_one_in_each_language() {
    let all = super::joined([crate::msg!(NotRun), Message::from("MANIFEST_UNKNOWN"), crate::msg!(OneBlob)]);
    assert_eq!(all.render(Lang::En), "not run; MANIFEST_UNKNOWN; 1 blob");
    assert_eq!(all.render(Lang::ZhCn), "未执行；MANIFEST_UNKNOWN；1 个 blob");
    assert_eq!(super::joined([]), Message::from(""));
}

#[test]
fn browse_answers_give_their_reasons_in_the_readers_language() {
    use crate::model::{RepositoryPage, TagList, TagSummary};
    let tag = TagSummary { error: Some(crate::msg!(TagDeletedWhileRead)), ..TagSummary::named("v1") };
    let list = TagList { repository: "a".into(), tags: vec![tag], total: 1, refreshing: false };
    let zh = list.clone().localized(Lang::ZhCn);
    assert_eq!(zh.tags[0].error, Some(Message::from("读取该标签时它已被删除")));
    let json = serde_json::to_value(&list).unwrap();
    assert_eq!(json["tags"][0]["error"], "the tag was deleted while it was being read");
    let mut page = RepositoryPage::default();
    let down = crate::msg!(RegUnreachable, "http://127.0.0.1:5000/v2/a/tags/list", "connection refused");
    page.unreadable.insert("a".into(), down);
    let zh = page.localized(Lang::ZhCn);
    assert_eq!(
        zh.unreadable["a"].to_string(),
        "无法连接到 http://127.0.0.1:5000/v2/a/tags/list 的镜像仓库：connection refused"
    );
}
