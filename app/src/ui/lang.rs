//! The UI's language: English or Simplified Chinese (the original's users are Chinese-speaking
//! teams).
//!
//! The server decides it once per request — the `lang` cookie if it names a language, else the
//! first language of `Accept-Language` we have, else English — and writes it into `<html lang>`.
//! The browser reads that attribute before hydrating anything, so both sides render the same text
//! (no flash, no hydration mismatch). `GET /lang/{code}` (server/src/lang.rs) sets the cookie.

/// A language the UI is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(ascii_case_insensitive)]
pub enum Lang {
    /// English, also for every request that names no language we have.
    #[default]
    #[strum(serialize = "en")]
    En,
    /// Simplified Chinese.
    #[strum(serialize = "zh-CN")]
    ZhCn,
}

impl Lang {
    /// Every language, in the order the header's switch lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// The cookie that holds the visitor's choice.
    pub const COOKIE: &'static str = "lang";

    /// The BCP 47 tag: `<html lang>`, the cookie's value and `/lang/{code}`.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The language's name in itself, as the switch shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "简体中文",
        }
    }

    /// The language a [`Self::code`] names (ASCII case ignored); `None` for any other value.
    pub fn from_code(code: &str) -> Option<Lang> {
        code.trim().parse().ok()
    }

    /// The language of one `Accept-Language` tag, if we have it: `zh`, `zh-CN` and `zh-Hans…`
    /// are Simplified Chinese (`zh-TW`, `zh-HK`, `zh-Hant…` are not: we have no Traditional
    /// text), `en` and `en-…` English.
    fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        let mut subtags = tag.split(['-', '_']);
        match (subtags.next(), subtags.next()) {
            (Some("zh"), None | Some("cn" | "hans")) => Some(Lang::ZhCn),
            (Some("en"), _) => Some(Lang::En),
            _ => None,
        }
    }

    /// The language to show for an `Accept-Language` header: of the languages we have, the one
    /// the browser ranks highest (`q`, then order); English when it names none of them.
    /// `en-US,en;q=0.9,zh-CN;q=0.8` is English, `fr,zh-CN;q=0.5` Chinese.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut ranked: Vec<(u16, usize, Lang)> = header
            .split(',')
            .enumerate()
            .filter_map(|(position, entry)| {
                let mut parts = entry.split(';');
                let lang = Lang::from_tag(parts.next()?)?;
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                    .map_or(Some(1000), quality)?;
                (q > 0).then_some((q, position, lang))
            })
            .collect();
        ranked.sort_by_key(|&(q, position, _)| (std::cmp::Reverse(q), position));
        ranked.first().map_or(Lang::En, |&(_, _, lang)| lang)
    }

    /// The language of a request: its `lang` cookie's value if it names a language we have,
    /// else its `Accept-Language`, else English.
    pub fn of_request(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        cookie
            .and_then(|value| Lang::from_code(value.trim_matches('"')))
            .or_else(|| accept_language.map(Lang::from_accept_language))
            .unwrap_or_default()
    }

    /// The language of a request with these headers ([`Self::of_request`]).
    #[cfg(feature = "ssr")]
    pub fn of_headers(headers: &axum::http::HeaderMap) -> Lang {
        let cookie = crate::backend::auth::authenticator::cookie_value(headers, Lang::COOKIE);
        let accept = headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        Lang::of_request(cookie.as_deref(), accept)
    }

    /// The language of the current request (leptos_axum provides its headers as context while a
    /// page renders); English outside a request.
    #[cfg(feature = "ssr")]
    pub fn of_current_request() -> Lang {
        leptos::prelude::use_context::<axum::http::request::Parts>()
            .map_or(Lang::En, |parts| Lang::of_headers(&parts.headers))
    }
}

/// An `Accept-Language` q-value in thousandths (`0.8` → 800), `None` if it is not one.
fn quality(value: &str) -> Option<u16> {
    let value: f32 = value.trim().parse().ok()?;
    (0.0..=1.0).contains(&value).then(|| (value * 1000.0).round() as u16)
}

/// The language the page is shown in.
///
/// On the server it is the context [`crate::ui::shell`] provides from the request. In the browser
/// it is `<html lang>`, which the server wrote: read once, before the first component renders,
/// and kept, since changing language is a page load (`/lang/{code}`). Reading it from the
/// document rather than from context also serves event handlers and effects, which may run
/// outside any reactive owner.
pub fn current() -> Lang {
    #[cfg(feature = "hydrate")]
    {
        thread_local! {
            static DOCUMENT_LANG: Lang = leptos::prelude::document()
                .document_element()
                .and_then(|html| html.get_attribute("lang"))
                .and_then(|code| Lang::from_code(&code))
                .unwrap_or_default();
        }
        DOCUMENT_LANG.with(|lang| *lang)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        leptos::prelude::use_context::<Lang>().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::Lang::{self, En, ZhCn};

    #[test]
    fn accept_language_picks_the_highest_ranked_language_we_have() {
        let cases = [
            ("zh-CN", ZhCn),
            ("zh", ZhCn),
            ("zh-cn,zh;q=0.9", ZhCn),
            ("zh-Hans", ZhCn),
            ("zh-Hans-CN", ZhCn),
            ("ZH-hans-SG;q=0.7", ZhCn),
            ("zh_CN", ZhCn),
            ("en-US", En),
            ("en-US,en;q=0.9,zh-CN;q=0.8", En),
            ("zh-CN,zh;q=0.9,en;q=0.8", ZhCn),
            ("fr-FR,fr;q=0.9,zh-CN;q=0.5", ZhCn),
            ("en;q=0.5,zh-CN;q=0.8", ZhCn),
            ("en, zh-CN", En),
            ("zh-CN;q=0,en;q=0.1", En),
            // Traditional Chinese: we have no text for it, so it is not taken for Simplified.
            ("zh-TW", En),
            ("zh-Hant-HK,zh-HK;q=0.9", En),
            ("zh-TW,zh-CN;q=0.8", ZhCn),
            ("fr", En),
            ("*", En),
            ("", En),
            ("zh-CN;q=banana", En),
            ("zh-CN;q=2", En),
        ];
        for (header, expected) in cases {
            assert_eq!(Lang::from_accept_language(header), expected, "{header:?}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_cookie_wins_over_accept_language_when_it_names_a_language_we_have() {
        let of = |cookie: Option<&str>, accept: Option<&str>| {
            let mut headers = axum::http::HeaderMap::new();
            if let Some(cookie) = cookie {
                headers.insert(axum::http::header::COOKIE, cookie.parse().unwrap());
            }
            if let Some(accept) = accept {
                headers.insert(axum::http::header::ACCEPT_LANGUAGE, accept.parse().unwrap());
            }
            Lang::of_headers(&headers)
        };
        assert_eq!(of(Some("rm_session=abc; lang=zh-CN"), Some("en-US")), ZhCn);
        assert_eq!(of(Some("lang=en"), Some("zh-CN")), En);
        assert_eq!(of(Some("lang=\"zh-cn\""), None), ZhCn);
        assert_eq!(of(Some("lang=klingon"), Some("zh-CN")), ZhCn);
        assert_eq!(of(Some("xlang=en"), Some("zh")), ZhCn);
        assert_eq!(of(Some(""), None), En);
        assert_eq!(of(None, None), En);
    }

    #[test]
    fn codes_round_trip_and_nothing_else_is_a_code() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        for bad in ["", "zh", "zh-TW", "en-US", "../en", "english"] {
            assert_eq!(Lang::from_code(bad), None, "{bad:?}");
        }
    }
}
