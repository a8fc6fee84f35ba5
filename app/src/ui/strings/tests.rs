//! The tables as a spec: every field exists in both (the compiler checks that), and these check
//! that the Chinese one is actually translated.

use super::{EN, ZH_CN, fill};

/// Strings the Chinese table keeps as in English: the product's name, product names, and
/// examples of what to type (a reference, platforms, a prefix, an architecture, names).
const SAME_IN_EVERY_LANGUAGE: [&str; 13] = [
    "app_name",
    "sync_source_placeholder",
    "sync_platforms_placeholder",
    "rename_prefix_placeholder",
    "local_arch_value_placeholder",
    "sync_engine_docker",
    "setup_default_username",
    "token_name_placeholder",
    "audit_actor_placeholder",
    "retention_repositories_placeholder",
    "retention_keep_regex_placeholder",
    "retention_protect_regex_placeholder",
    "retention_schedule_placeholder",
];

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c))
}

#[test]
fn no_string_is_empty() {
    for (table, name) in [(&EN, "en"), (&ZH_CN, "zh-CN")] {
        for (field, value) in table.entries() {
            assert!(!value.trim().is_empty(), "{name}: {field} is empty");
        }
    }
}

#[test]
fn every_chinese_string_is_translated_except_names_and_examples() {
    let untranslated: Vec<_> = EN
        .entries()
        .into_iter()
        .zip(ZH_CN.entries())
        .filter(|((field, en), (_, zh))| {
            !SAME_IN_EVERY_LANGUAGE.contains(field) && (en == zh || !has_cjk(zh))
        })
        .map(|((field, _), (_, zh))| format!("{field}: {zh:?}"))
        .collect();
    assert!(untranslated.is_empty(), "zh-CN strings left in English:\n{}", untranslated.join("\n"));
    for field in SAME_IN_EVERY_LANGUAGE {
        let (_, en) = EN.entries().into_iter().find(|(f, _)| *f == field).expect("listed fields exist");
        let (_, zh) = ZH_CN.entries().into_iter().find(|(f, _)| *f == field).expect("listed fields exist");
        assert_eq!(en, zh, "{field} is listed as the same in every language");
    }
}

#[test]
fn templates_have_the_same_placeholders_in_every_language() {
    for ((field, en), (_, zh)) in EN.entries().into_iter().zip(ZH_CN.entries()) {
        assert_eq!(en.matches("{}").count(), zh.matches("{}").count(), "{field}: {en:?} / {zh:?}");
    }
}

#[test]
fn fill_puts_each_argument_where_the_language_wants_it() {
    assert_eq!(fill(EN.role_of, &[&"alice"]), "Role of alice");
    assert_eq!(fill(ZH_CN.role_of, &[&"alice"]), "alice 的角色");
    assert_eq!(fill(EN.selected_count, &[&3, &12]), "3 / 12 selected");
    assert_eq!(fill(ZH_CN.selected_count, &[&3, &12]), "已选 3 / 12");
    assert_eq!(fill("{} and {}", &[&1]), "1 and ");
    assert_eq!(fill("no placeholder", &[&1]), "no placeholder");
}
