//! Drawing helpers every feature and the app share (below the features): list scrolling that
//! clicks can map back, text fitting, a pane's frame and a centred popup.

use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear};

/// The first visible row of a list of `len` rows in `height` lines with `cursor` selected:
/// the cursor stays in the middle once the list scrolls. Stateless, so clicks map back.
pub fn list_offset(cursor: usize, len: usize, height: usize) -> usize {
    if len <= height {
        return 0;
    }
    cursor.saturating_sub(height / 2).min(len - height)
}

/// Cuts `text` to `width` characters, marking the cut with an ellipsis.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A selected row: every span takes the selection's colours (keeping its own emphasis, such as
/// a search's matched characters), so a name or badge coloured for the plain background stays
/// readable on the selection's.
pub fn selected(line: Line<'_>, selection: Style) -> Line<'_> {
    let spans = line.spans.into_iter().map(|span| span.patch_style(selection)).collect::<Vec<_>>();
    Line { spans, style: line.style.patch(selection), alignment: line.alignment }
}

/// A bordered pane, its border brighter when it has the keys.
pub fn pane<'a>(theme: &Theme, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    Block::default().borders(Borders::ALL).border_style(theme.border(focused)).title(title)
}

/// A centred popup of `width`×`height` (clipped to the screen); returns its inside.
pub fn popup(frame: &mut Frame, theme: &Theme, title: &str, width: u16, height: u16) -> Rect {
    let size = frame.area();
    let (w, h) = (width.min(size.width), height.min(size.height));
    let area = Rect { x: size.x + (size.width - w) / 2, y: size.y + (size.height - h) / 2, width: w, height: h };
    frame.render_widget(Clear, area);
    let block = pane(theme, format!(" {title} "), true).style(theme.text());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// Joins `items` with `sep` in their order, leaving out whole items (the highest `rank` first,
/// then the later ones) until the line fits in `width`: a status bar never cuts a word. The
/// first-ranked item alone is cut with an ellipsis only if even it does not fit.
pub fn fit_items(items: &[(&str, u8)], sep: &str, width: usize) -> String {
    let mut kept: Vec<usize> = (0..items.len()).collect();
    let join = |kept: &[usize]| kept.iter().map(|&i| items[i].0).collect::<Vec<_>>().join(sep);
    while kept.len() > 1 && join(&kept).chars().count() > width {
        let drop = (0..kept.len()).max_by_key(|&k| (items[kept[k]].1, k)).expect("not empty");
        kept.remove(drop);
    }
    fit(&join(&kept), width)
}

/// Breaks `text` into lines of at most `width` characters at spaces (a word longer than the
/// width is cut into pieces, the only way it can be shown).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let current = lines.last_mut().expect("not empty");
        let len = current.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(String::new());
        } else if len > 0 {
            current.push(' ');
        }
        let mut rest: Vec<char> = word.chars().collect();
        while rest.len() > width {
            lines.last_mut().expect("not empty").extend(rest.drain(..width));
            lines.push(String::new());
        }
        lines.last_mut().expect("not empty").extend(rest);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_left_out_whole_by_rank() {
        let items = [("alpha", 0), ("beta", 2), ("gamma", 1)];
        assert_eq!(fit_items(&items, " · ", 40), "alpha · beta · gamma");
        assert_eq!(fit_items(&items, " · ", 15), "alpha · gamma");
        assert_eq!(fit_items(&items, " · ", 6), "alpha");
        assert_eq!(fit_items(&items, " · ", 3), "al…");
    }

    #[test]
    fn words_wrap_at_spaces() {
        assert_eq!(wrap_words("one two three", 7), vec!["one two", "three"]);
        assert_eq!(wrap_words("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }
}
