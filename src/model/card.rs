//! Card choices (animation, position, weight) and cleaning card text.

/// Declares a choice among fixed names: `FromStr`, `Display`, serde (as the name), `NAMES`,
/// with the plain message "must be one of a, b, c, not \"x\"".
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every name, in order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];
            /// Every value, in the order of [`Self::NAMES`].
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name as written in presets and on the command line.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            fn wanted() -> String {
                format!("one of {}", Self::NAMES.join(", "))
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<$name, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!("must be {}, not {s:?}", Self::wanted())),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                match <$crate::model::Scalar as serde::Deserialize>::deserialize(d)? {
                    $crate::model::Scalar::Str(s) => s.parse().map_err(serde::de::Error::custom),
                    other => Err(other.not(&Self::wanted())),
                }
            }
        }
    };
}
pub(crate) use choice;

choice! {
    /// How a card comes in and goes out. Every animation is continuous in time (no jump) and
    /// monotonic (no flicker).
    Animation {
        /// Appears and disappears at once.
        None = "none",
        /// Fades in and out.
        Fade = "fade",
        /// Slides a short way into place (and out again) while fading, inside the safe zone.
        Slide = "slide",
        /// Grows from 80% to full size (and shrinks away) while fading.
        Pop = "pop",
    }
}

// The `choice!` macro declares the enum, so the default is written out here.
#[allow(clippy::derivable_impls)]
impl Default for Animation {
    fn default() -> Animation {
        Animation::Fade
    }
}

impl Animation {
    /// Parses a preset's `cards.animation` (`None` for anything else).
    pub fn parse(s: &str) -> Option<Animation> {
        s.parse().ok()
    }
}

choice! {
    /// Where a card sits inside the safe zone.
    CardPosition {
        /// Top of the safe zone.
        Top = "top",
        /// Vertically centred in the safe zone.
        Center = "center",
        /// Bottom of the safe zone.
        Bottom = "bottom",
    }
}

choice! {
    /// Weight of card text.
    FontWeight {
        /// Regular (400).
        Regular = "regular",
        /// Bold (700), the default.
        Bold = "bold",
    }
}

#[allow(clippy::derivable_impls)]
impl Default for FontWeight {
    fn default() -> FontWeight {
        FontWeight::Bold
    }
}

/// Card text as it is drawn: ANSI escape sequences (`ESC [ 31 m` …) and other control
/// characters removed, line breaks and tabs kept as spaces-or-breaks the layout understands.
/// Whitespace-only text comes back empty: such a card is left out.
pub fn clean_card_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // CSI as one character (C1 control).
            '\u{9b}' => skip_csi_body(&mut chars),
            '\n' => out.push('\n'),
            '\t' | '\r' => {
                if c == '\t' {
                    out.push(' ');
                }
            }
            c if c.is_control() => {}
            // Bidi overrides and zero-width controls that reorder or hide text.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    if out.trim().is_empty() {
        String::new()
    } else {
        out
    }
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi_body(chars);
        }
        // OSC … BEL or ESC \ (titles, hyperlinks).
        Some(']') => {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        // Two-character escapes (ESC c, ESC ( B …): drop the next character.
        Some(c) if !c.is_whitespace() => {
            chars.next();
        }
        _ => {}
    }
}

fn skip_csi_body(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    // Parameters and intermediates (0x20–0x3F), then one final byte (0x40–0x7E).
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_read_and_say_what_is_allowed() {
        assert_eq!("pop".parse(), Ok(Animation::Pop));
        assert_eq!(Animation::default(), Animation::Fade);
        let e = "spin".parse::<Animation>().unwrap_err();
        assert_eq!(e, "must be one of none, fade, slide, pop, not \"spin\"");
        assert_eq!(CardPosition::Center.to_string(), "center");
        assert_eq!(FontWeight::default(), FontWeight::Bold);
        let v: FontWeight = serde_json::from_str("\"regular\"").unwrap();
        assert_eq!(v, FontWeight::Regular);
        let e = serde_json::from_str::<FontWeight>("3")
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be one of regular, bold, not 3"), "{e}");
    }

    #[test]
    fn card_text_without_escapes_and_controls() {
        assert_eq!(clean_card_text("\u{1b}[31mRED\u{1b}[0m alert"), "RED alert");
        assert_eq!(clean_card_text("bell\u{7} and\u{0}nul"), "bell andnul");
        assert_eq!(clean_card_text("two\nlines\ttab\r"), "two\nlines tab");
        assert_eq!(clean_card_text("\u{1b}]0;title\u{7}hi"), "hi");
        assert_eq!(clean_card_text("  \n\t "), "");
        assert_eq!(clean_card_text("\u{1b}[1m\u{1b}[0m"), "");
        assert_eq!(clean_card_text("Café ☕ 焦げた"), "Café ☕ 焦げた");
        assert_eq!(clean_card_text("\u{202e}txet"), "txet");
    }
}
