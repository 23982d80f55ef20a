//! Colour themes: JSON files in `themes/` embedded in the binary, overridable by files in the
//! user's config dir; NO_COLOR turns colours off and keeps emphasis (bold, reverse).

use crate::profile::Action;
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The themes shipped with seccompose, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.json")),
    ("light", include_str!("../../themes/light.json")),
    ("high-contrast", include_str!("../../themes/high-contrast.json")),
    ("colour-blind", include_str!("../../themes/colour-blind.json")),
];

/// Every colour a theme must name.
const KEYS: &[&str] = &[
    "text",
    "dim",
    "accent",
    "border",
    "border_focus",
    "selection_fg",
    "selection_bg",
    "matched",
    "allow",
    "errno",
    "log",
    "kill",
    "other",
    "added",
    "removed",
    "warning",
    "error",
    "status_fg",
    "status_bg",
];

/// Colours a theme may name: `background` is the terminal background the theme is made for
/// (the editor never paints it; contrast checks resolve the terminal's own colour to it).
const OPTIONAL: &[&str] = &["background"];

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    colors: BTreeMap<String, Color>,
    /// NO_COLOR: every style is the terminal's own colours.
    monochrome: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    #[serde(default)]
    #[allow(dead_code)] // shown to people reading the file
    description: String,
    colors: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
struct Config {
    theme: Option<String>,
}

impl Theme {
    /// Parses a theme file; every colour is `#rrggbb` or a name ratatui knows (`red`, `gray`, …).
    pub fn parse(text: &str, origin: &str) -> Result<Theme, String> {
        let file: ThemeFile = serde_json::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        let mut colors = BTreeMap::new();
        for key in KEYS {
            let spelled = file.colors.get(*key).ok_or_else(|| format!("{origin}: colour \"{key}\" is missing"))?;
            let color = Color::from_str(spelled)
                .map_err(|_| format!("{origin}: colour \"{key}\": \"{spelled}\" is not #rrggbb or a colour name"))?;
            colors.insert((*key).to_string(), color);
        }
        for key in OPTIONAL {
            if let Some(spelled) = file.colors.get(*key) {
                let color = Color::from_str(spelled).map_err(|_| {
                    format!("{origin}: colour \"{key}\": \"{spelled}\" is not #rrggbb or a colour name")
                })?;
                colors.insert((*key).to_string(), color);
            }
        }
        let known = |k: &str| KEYS.contains(&k) || OPTIONAL.contains(&k);
        if let Some(unknown) = file.colors.keys().find(|k| !known(k)) {
            return Err(format!(
                "{origin}: unknown colour \"{unknown}\" (known: {}, {})",
                KEYS.join(", "),
                OPTIONAL.join(", ")
            ));
        }
        Ok(Theme { name: file.name, colors, monochrome: false })
    }

    pub fn builtin(name: &str) -> Option<Theme> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        Some(Theme::parse(text, name).expect("built-in themes are tested"))
    }

    /// No colours at all (NO_COLOR): selection and emphasis use reverse video and bold.
    pub fn monochrome() -> Theme {
        Theme { monochrome: true, ..Theme::builtin("dark").expect("dark is built in") }
    }

    /// Picks the theme: `--theme` (a built-in name, a user theme name or a file path), else the
    /// config file's `theme`, else dark. NO_COLOR (set and non-empty) wins over all of them.
    pub fn choose(requested: Option<&str>) -> Result<Theme, String> {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return Ok(Theme::monochrome());
        }
        let config = config_dir();
        let from_config = config.as_deref().and_then(|dir| read_config(dir).theme);
        match requested.map(str::to_string).or(from_config) {
            None => Ok(Theme::builtin("dark").expect("dark is built in")),
            Some(name) => Theme::find(&name, config.as_deref()),
        }
    }

    /// A user theme (`<config>/themes/NAME.json`) shadows a built-in one of the same name.
    fn find(name: &str, config: Option<&Path>) -> Result<Theme, String> {
        let user = config.map(|dir| dir.join("themes").join(format!("{name}.json")));
        let path = if name.ends_with(".json") { Some(PathBuf::from(name)) } else { user.filter(|p| p.exists()) };
        if let Some(path) = path {
            let text = crate::fsutil::read::read_text(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            return Theme::parse(&text, &path.display().to_string());
        }
        Theme::builtin(name).ok_or_else(|| {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            format!("unknown theme \"{name}\" (built in: {}; or a .json file)", names.join(", "))
        })
    }

    /// The RGB a terminal shows for `color` under this theme: the terminal's own colour
    /// (`Reset`) is the theme's `background` (black when it names none) behind text and its
    /// `text` colour in front; named and indexed colours are the xterm palette's.
    pub fn rgb(&self, color: Color, foreground: bool) -> [u8; 3] {
        match color {
            Color::Reset if foreground => self.rgb(self.colors["text"], true),
            Color::Reset => self.colors.get("background").map_or([0, 0, 0], |c| self.rgb(*c, false)),
            Color::Rgb(r, g, b) => [r, g, b],
            Color::Indexed(i) => xterm_rgb(i),
            named => xterm_rgb(named_index(named)),
        }
    }

    fn color(&self, key: &str) -> Color {
        if self.monochrome { Color::Reset } else { self.colors[key] }
    }

    fn fg(&self, key: &str) -> Style {
        Style::new().fg(self.color(key))
    }

    pub fn text(&self) -> Style {
        self.fg("text")
    }
    pub fn dim(&self) -> Style {
        if self.monochrome { Style::new().add_modifier(Modifier::DIM) } else { self.fg("dim") }
    }
    pub fn accent(&self) -> Style {
        self.fg("accent").add_modifier(Modifier::BOLD)
    }
    pub fn border(&self, focused: bool) -> Style {
        if focused { self.fg("border_focus").add_modifier(Modifier::BOLD) } else { self.fg("border") }
    }
    pub fn selection(&self) -> Style {
        if self.monochrome {
            return Style::new().add_modifier(Modifier::REVERSED);
        }
        Style::new().fg(self.color("selection_fg")).bg(self.color("selection_bg"))
    }
    pub fn matched(&self) -> Style {
        self.fg("matched").add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    pub fn added(&self) -> Style {
        if self.monochrome { Style::new().add_modifier(Modifier::BOLD) } else { self.fg("added") }
    }
    pub fn removed(&self) -> Style {
        self.fg("removed").add_modifier(Modifier::CROSSED_OUT)
    }
    pub fn warning(&self) -> Style {
        self.fg("warning")
    }
    pub fn error(&self) -> Style {
        self.fg("error").add_modifier(Modifier::BOLD)
    }
    pub fn status(&self) -> Style {
        if self.monochrome {
            return Style::new().add_modifier(Modifier::REVERSED);
        }
        Style::new().fg(self.color("status_fg")).bg(self.color("status_bg"))
    }

    /// The badge colour of an action: what gets through is green, errors yellow, kills red.
    pub fn action(&self, action: Action) -> Style {
        let key = match action {
            Action::Allow => "allow",
            Action::Errno(_) => "errno",
            Action::Log => "log",
            Action::KillThread | Action::KillProcess => "kill",
            _ => "other",
        };
        let style = self.fg(key);
        if matches!(action, Action::KillThread | Action::KillProcess) {
            style.add_modifier(Modifier::BOLD)
        } else {
            style
        }
    }
}

/// The index of a named colour in the 16-colour palette.
fn named_index(color: Color) -> u8 {
    use Color::*;
    let named = [
        Black,
        Red,
        Green,
        Yellow,
        Blue,
        Magenta,
        Cyan,
        Gray,
        DarkGray,
        LightRed,
        LightGreen,
        LightYellow,
        LightBlue,
        LightMagenta,
        LightCyan,
        White,
    ];
    named.iter().position(|c| *c == color).unwrap_or(0) as u8
}

/// xterm's 256-colour palette: 16 system colours, a 6×6×6 cube, 24 greys.
fn xterm_rgb(i: u8) -> [u8; 3] {
    const SYSTEM: [[u8; 3]; 16] = [
        [0, 0, 0],
        [205, 0, 0],
        [0, 205, 0],
        [205, 205, 0],
        [0, 0, 238],
        [205, 0, 205],
        [0, 205, 205],
        [229, 229, 229],
        [127, 127, 127],
        [255, 0, 0],
        [0, 255, 0],
        [255, 255, 0],
        [92, 92, 255],
        [255, 0, 255],
        [0, 255, 255],
        [255, 255, 255],
    ];
    match i {
        0..=15 => SYSTEM[i as usize],
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let v = i - 16;
            [level(v / 36), level(v / 6 % 6), level(v % 6)]
        }
        _ => [8 + 10 * (i - 232); 3],
    }
}

/// The WCAG 2 contrast ratio of two colours (1 to 21; AA asks 4.5 for text).
pub fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let luminance = |c: [u8; 3]| {
        let channel = |v: u8| {
            let s = f64::from(v) / 255.0;
            if s <= 0.04045 { s / 12.92 } else { ((s + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// `~/.config/seccompose` (or the platform's equivalent).
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "seccompose").map(|d| d.config_dir().to_path_buf())
}

/// `config.json` in the config dir; a missing or broken file means defaults.
fn read_config(dir: &Path) -> Config {
    crate::fsutil::read::read_text(&dir.join("config.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses_with_every_colour() {
        for (name, text) in BUILTIN {
            let theme = Theme::parse(text, name).unwrap();
            assert_eq!(&theme.name, name, "the file's name matches its key");
        }
    }

    #[test]
    fn a_broken_theme_says_which_colour() {
        let text = BUILTIN[0].1.replace("\"#5fd75f\",\n    \"errno\"", "\"greenish\",\n    \"errno\"");
        let err = Theme::parse(&text, "t.json").unwrap_err();
        assert!(err.contains("\"allow\"") && err.contains("greenish"), "{err}");
        let missing = Theme::parse(r#"{"name":"x","colors":{}}"#, "x.json").unwrap_err();
        assert!(missing.contains("missing"), "{missing}");
    }

    #[test]
    fn unknown_theme_names_the_choices() {
        let err = Theme::find("solarized", None).unwrap_err();
        assert!(err.contains("dark, light, high-contrast, colour-blind"), "{err}");
    }

    #[test]
    fn user_themes_in_the_config_dir_add_to_and_shadow_the_built_in_ones() {
        let dir = std::env::temp_dir().join(format!("seccompose-theme-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("themes")).unwrap();
        let mine = BUILTIN[0].1.replace("\"name\": \"dark\"", "\"name\": \"mine\"");
        std::fs::write(dir.join("themes/mine.json"), &mine).unwrap();
        std::fs::write(dir.join("themes/light.json"), mine.replace("\"mine\"", "\"my light\"")).unwrap();
        std::fs::write(dir.join("config.json"), r#"{"theme": "mine"}"#).unwrap();
        assert_eq!(Theme::find("mine", Some(&dir)).unwrap().name, "mine");
        assert_eq!(Theme::find("light", Some(&dir)).unwrap().name, "my light", "the user's file wins");
        assert_eq!(Theme::find("dark", Some(&dir)).unwrap().name, "dark");
        assert_eq!(read_config(&dir).theme.as_deref(), Some("mine"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn contrast_follows_wcag_and_palettes_resolve() {
        assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 1e-9);
        assert!((contrast([0x77; 3], [255; 3]) - 4.48).abs() < 0.01, "the classic #777 on white");
        let dark = Theme::builtin("dark").unwrap();
        assert_eq!(dark.rgb(Color::Indexed(196), true), [255, 0, 0]);
        assert_eq!(dark.rgb(Color::Indexed(244), true), [128, 128, 128]);
        assert_eq!(dark.rgb(Color::LightYellow, true), [255, 255, 0]);
        assert_eq!(dark.rgb(Color::Reset, true), dark.rgb(dark.colors["text"], true));
    }

    #[test]
    fn monochrome_has_no_colours() {
        let mono = Theme::monochrome();
        assert_eq!(mono.action(Action::Allow).fg, Some(Color::Reset));
        assert!(mono.selection().add_modifier.contains(Modifier::REVERSED));
    }
}
