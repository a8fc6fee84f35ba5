//! The UI's colour theme: light, dark, or the system's (`prefers-color-scheme`), which is the
//! default.
//!
//! Decided as the language is (see [`crate::ui::lang`]): the server reads the `theme` cookie once
//! per request and writes the choice into `<html data-theme>`, and style/main.css takes its
//! colours from that attribute (for `system`, from the media query). The first paint therefore
//! has the right colours with no script before it: nothing flashes. `<html>` is outside what
//! hydration touches, and the switch reads the attribute back ([`current`]), so server and
//! browser render the same. `GET /theme/{mode}` (server/src/theme.rs) sets the cookie.

use leptos::prelude::*;

use crate::ui::strings::{Strings, strings};

/// A colour theme the visitor may choose.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum Theme {
    /// Whatever the system asks for (`prefers-color-scheme`): the default.
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    /// Every theme, in the order the header's switch lists them.
    pub const ALL: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::System];

    /// The cookie that holds the visitor's choice.
    pub const COOKIE: &'static str = "theme";

    /// `<html data-theme>`, the cookie's value and `/theme/{mode}`.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The theme a [`Self::code`] names (ASCII case ignored); `None` for any other value.
    pub fn from_code(code: &str) -> Option<Theme> {
        code.trim().parse().ok()
    }

    /// The theme's name in the switch.
    pub fn label(self, s: &Strings) -> &'static str {
        match self {
            Theme::Light => s.theme_light,
            Theme::Dark => s.theme_dark,
            Theme::System => s.theme_system,
        }
    }

    /// `<meta name="color-scheme">`: the schemes the page is drawn in, so that the browser's own
    /// canvas and controls match before and while the stylesheet loads.
    pub fn color_scheme(self) -> &'static str {
        match self {
            Theme::System => "light dark",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The theme of a request whose `theme` cookie has this value: the theme it names, else
    /// [`Theme::System`].
    pub fn of_cookie(cookie: Option<&str>) -> Theme {
        cookie.and_then(|value| Theme::from_code(value.trim_matches('"'))).unwrap_or_default()
    }

    /// The theme of a request with these headers ([`Self::of_cookie`]).
    #[cfg(feature = "ssr")]
    pub fn of_headers(headers: &axum::http::HeaderMap) -> Theme {
        Theme::of_cookie(crate::backend::auth::authenticator::cookie_value(headers, Theme::COOKIE).as_deref())
    }

    /// The theme of the current request (leptos_axum provides its headers as context while a
    /// page renders); [`Theme::System`] outside a request.
    #[cfg(feature = "ssr")]
    pub fn of_current_request() -> Theme {
        use_context::<axum::http::request::Parts>()
            .map_or(Theme::System, |parts| Theme::of_headers(&parts.headers))
    }
}

/// The theme the page is shown in: on the server the context [`crate::ui::shell`] provides, in
/// the browser `<html data-theme>`, which the server wrote (read once: changing theme is a page
/// load, `/theme/{mode}`).
pub fn current() -> Theme {
    #[cfg(feature = "hydrate")]
    {
        thread_local! {
            static DOCUMENT_THEME: Theme = document()
                .document_element()
                .and_then(|html| html.get_attribute("data-theme"))
                .and_then(|code| Theme::from_code(&code))
                .unwrap_or_default();
        }
        DOCUMENT_THEME.with(|theme| *theme)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        use_context::<Theme>().unwrap_or_default()
    }
}

/// The themes, as links to `GET /theme/{mode}?next=<this page>`, which sets the `theme` cookie
/// and comes back here (server/src/theme.rs); the current one as text. Plain links, as the
/// language switch's: they work before hydration and without JavaScript.
#[component]
pub fn ThemeSwitch() -> impl IntoView {
    let s = strings();
    let current = current();
    let next = crate::ui::use_return_path();
    view! {
        <ul class="theme-switch" aria-label=s.theme_label>
            {Theme::ALL
                .into_iter()
                .map(|theme| {
                    let code = theme.code();
                    if theme == current {
                        view! { <li><span aria-current="true">{theme.label(s)}</span></li> }.into_any()
                    } else {
                        view! {
                            <li>
                                <a href=move || format!("/theme/{code}?next={}", next.get()) rel="external">
                                    {theme.label(s)}
                                </a>
                            </li>
                        }
                        .into_any()
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::Theme::{self, Dark, Light, System};

    #[test]
    fn codes_round_trip_and_nothing_else_is_a_code() {
        for theme in Theme::ALL {
            assert_eq!(Theme::from_code(theme.code()), Some(theme));
        }
        assert_eq!(Theme::from_code("DARK"), Some(Dark));
        for bad in ["", "auto", "night", "../dark", "dark;", "light dark"] {
            assert_eq!(Theme::from_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_cookie_names_the_theme_and_anything_else_is_the_systems() {
        let cases = [
            (Some("dark"), Dark),
            (Some("\"light\""), Light),
            (Some("system"), System),
            (Some("Dark"), Dark),
            (Some("sepia"), System),
            (Some(""), System),
            (None, System),
        ];
        for (cookie, expected) in cases {
            assert_eq!(Theme::of_cookie(cookie), expected, "{cookie:?}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_theme_cookie_is_read_among_the_others() {
        let of = |cookie: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(axum::http::header::COOKIE, cookie.parse().unwrap());
            Theme::of_headers(&headers)
        };
        assert_eq!(of("rm_session=abc; theme=dark; lang=zh-CN"), Dark);
        assert_eq!(of("lang=en; theme=light"), Light);
        assert_eq!(of("xtheme=dark"), System);
        assert_eq!(of("rm_session=abc"), System);
    }
}
