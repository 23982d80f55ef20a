//! Writes an edited JSON value back into its original text, touching only what changed.
//!
//! Unchanged values keep their exact original text; kept neighbours keep the separators that
//! were between them; new values are rendered in the file's own style (indent unit, line
//! layout of arrays with the same key). So an edit shows up as a small diff.

use super::style::Style;
use super::tree::{Member, Node, NodeKind};
use crate::profile::position::LineStarts;
use crate::text::edit_script::{Edit, shortest_script};
use serde_json::{Map, Value};

/// The new text of the whole document after replacing `root`'s value with `new`.
pub fn patch(text: &str, root: &Node, new: &Value) -> String {
    patch_in_style(text, root, new, &Style::detect(text, root), &LineStarts::of(text))
}

/// [`patch`] with the text's style and line starts known (finding them reads the whole text:
/// an editor patching the same text at every keystroke finds them once).
pub fn patch_in_style(text: &str, root: &Node, new: &Value, style: &Style, lines: &LineStarts) -> String {
    let p = Patcher { text, style, lines };
    let mut out = String::with_capacity(text.len() + 256);
    out.push_str(&text[..root.span.start]);
    out.push_str(&p.emit(root, new, None));
    out.push_str(&text[root.span.end..]);
    out
}

/// True when a node holds exactly this value (numbers compared by value).
pub fn node_equals(node: &Node, value: &Value) -> bool {
    match (&node.kind, value) {
        (NodeKind::Null, Value::Null) => true,
        (NodeKind::Bool(a), Value::Bool(b)) => a == b,
        (NodeKind::Number(text), Value::Number(n)) => match (plain_unsigned(text), n.as_u64()) {
            // Most numbers in a profile are plain unsigned integers: compared without serde.
            (Some(a), Some(b)) => a == b,
            _ => serde_json::from_str::<serde_json::Number>(text).is_ok_and(|m| numbers_equal(&m, n)),
        },
        // A number no f64 holds (`1e999`) reads as null: still null, it is unchanged.
        (NodeKind::Number(text), Value::Null) => serde_json::from_str::<serde_json::Number>(text).is_err(),
        (NodeKind::String(a), Value::String(b)) => a == b,
        (NodeKind::Array(items), Value::Array(values)) => {
            items.len() == values.len() && items.iter().zip(values).all(|(n, v)| node_equals(n, v))
        }
        // Without a repeated key (the usual object) the members are compared in place; with
        // one, the lengths differ or a key does not match, the result the general case gives.
        (NodeKind::Object(members), Value::Object(map)) if members.len() == map.len() => {
            members.iter().zip(map).all(|(m, (k, v))| m.key == k && node_equals(&m.value, v))
        }
        (NodeKind::Object(members), Value::Object(map)) => {
            let distinct: Vec<&Member> = last_members(members);
            distinct.len() == map.len()
                && distinct.iter().zip(map).all(|(m, (k, v))| m.key == k && node_equals(&m.value, v))
        }
        _ => false,
    }
}

/// The value of a number written as plain digits (no sign, fraction or exponent) that fits u64.
fn plain_unsigned(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_u64(), b.as_u64(), a.as_i64(), b.as_i64()) {
        (Some(x), Some(y), _, _) => x == y,
        (_, _, Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64() && a.is_f64() == b.is_f64(),
    }
}

/// Members with duplicate keys reduced to the last occurrence, in first-seen order.
fn last_members(members: &[Member]) -> Vec<&Member> {
    let mut out: Vec<&Member> = Vec::with_capacity(members.len());
    for m in members {
        if let Some(slot) = out.iter_mut().find(|x| x.key == m.key) {
            *slot = m;
        } else {
            out.push(m);
        }
    }
    out
}

struct Patcher<'a> {
    text: &'a str,
    style: &'a Style,
    /// Where `text`'s lines start: an edited container's indentation is found from there (a
    /// search back for the newline crossed the whole text before it in a one-line file, at
    /// each edited rule).
    lines: &'a LineStarts,
}

/// One element of a rebuilt container: an original one (possibly edited) or a new one.
enum Item<'n> {
    Old(usize, &'n Value),
    /// An original element the alignment found equal: its text is copied as it is.
    Same(usize),
    New(String),
}

impl Patcher<'_> {
    fn slice(&self, node: &Node) -> &str {
        &self.text[node.span.start..node.span.end]
    }

    /// New text for `node`, which now holds `new`. `key` is the member name holding it.
    fn emit(&self, node: &Node, new: &Value, key: Option<&str>) -> String {
        // A container whose parts are all kept reassembles to its own text, so the whole-value
        // comparison is left to its parts (on a big profile it would walk every rule twice);
        // an empty array and an object with a repeated key (which reassembling drops) compare.
        let reassembles = match &node.kind {
            NodeKind::Array(items) => !items.is_empty(),
            NodeKind::Object(members) => !members.is_empty() && last_members(members).len() == members.len(),
            _ => false,
        };
        if !reassembles && node_equals(node, new) {
            return self.slice(node).to_string();
        }
        match (&node.kind, new) {
            (NodeKind::Object(members), Value::Object(map)) => self.emit_object(node, members, map),
            (NodeKind::Array(items), Value::Array(values)) => self.emit_array(node, items, values, key),
            _ => {
                let indent = self.line_indent(node.span.start);
                self.style.render(new, &indent, key)
            }
        }
    }

    fn emit_object(&self, node: &Node, members: &[Member], map: &Map<String, Value>) -> String {
        let kept = last_members(members);
        let mut items = Vec::new();
        // Original members in their order (edited or dropped), new keys after the key before them.
        let mut new_keys: Vec<(&String, &Value)> =
            map.iter().filter(|(k, _)| !kept.iter().any(|m| m.key == *k)).collect();
        let indent = self.child_indent(node, members.first().map(|m| m.key_span.start));
        let mut pending_front = Vec::new();
        for (k, v) in &new_keys {
            if self.previous_kept_key(map, k, &kept).is_none() {
                pending_front.push(self.render_member(k, v, &indent));
            }
        }
        items.extend(pending_front.into_iter().map(Item::New));
        for (i, m) in members.iter().enumerate() {
            if !kept.iter().any(|x| std::ptr::eq(*x, m)) {
                continue; // an earlier duplicate of a key: dropped with its value
            }
            if let Some(v) = map.get(m.key.as_str()) {
                items.push(Item::Old(i, v));
            } else {
                continue;
            }
            new_keys.retain(|(k, v)| {
                if self.previous_kept_key(map, k, &kept) == Some(m.key.as_str()) {
                    items.push(Item::New(self.render_member(k, v, &indent)));
                    false
                } else {
                    true
                }
            });
        }
        let origins: Vec<(usize, usize)> = members.iter().map(|m| (m.key_span.start, m.value.span.end)).collect();
        let shape = Shape { indent: &indent, brackets: ('{', '}'), multiline_if_empty: self.style.pretty };
        self.join(node, &origins, items, shape, |item_index, value| {
            let m = &members[item_index];
            let head = &self.text[m.key_span.start..m.value.span.start];
            format!("{head}{}", self.emit(&m.value, value, Some(&m.key)))
        })
    }

    /// The key in `map` before `key` that also exists in the original object.
    fn previous_kept_key<'m>(&self, map: &'m Map<String, Value>, key: &str, kept: &[&Member]) -> Option<&'m str> {
        let pos = map.keys().position(|k| k == key)?;
        map.keys().take(pos).rev().find(|k| kept.iter().any(|m| m.key == *k)).map(String::as_str)
    }

    fn render_member(&self, key: &str, value: &Value, indent: &str) -> String {
        let key_text = serde_json::to_string(key).unwrap_or_default();
        format!("{key_text}{}{}", self.style.colon, self.style.render(value, indent, Some(key)))
    }

    fn emit_array(&self, node: &Node, items: &[Node], values: &[Value], key: Option<&str>) -> String {
        let indent = self.child_indent(node, items.first().map(|n| n.span.start));
        let plan = align(items, values);
        let rebuilt: Vec<Item> = plan
            .into_iter()
            .map(|step| match step {
                Step::Keep(i, _) => Item::Same(i),
                Step::Change(i, j) => Item::Old(i, &values[j]),
                Step::Insert(j) => Item::New(self.style.render(&values[j], &indent, None)),
            })
            .collect();
        let origins: Vec<(usize, usize)> = items.iter().map(|n| (n.span.start, n.span.end)).collect();
        let multiline_if_empty = key.and_then(|k| self.style.multiline_for(k)).unwrap_or(self.style.pretty);
        let shape = Shape { indent: &indent, brackets: ('[', ']'), multiline_if_empty };
        self.join(node, &origins, rebuilt, shape, |i, value| self.emit(&items[i], value, None))
    }

    /// Indentation for children: that of the first child's line if it has its own line,
    /// else one unit deeper than the container's line.
    fn child_indent(&self, node: &Node, first_child: Option<usize>) -> String {
        if let Some(start) = first_child {
            if self.starts_line(start) {
                return self.line_indent(start);
            }
        }
        format!("{}{}", self.line_indent(node.span.start), self.style.unit)
    }

    /// The whitespace that starts the line holding `offset`.
    fn line_indent(&self, offset: usize) -> String {
        let start = self.lines.line_start(offset);
        self.text[start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect()
    }

    /// Whether only indentation precedes `offset` on its line, and that line is not the first.
    fn starts_line(&self, offset: usize) -> bool {
        let start = self.lines.line_start(offset);
        start > 0 && self.text[start..offset].bytes().all(|b| b == b' ' || b == b'\t')
    }

    /// Reassembles a container from its items, reusing the original separators between items
    /// that were neighbours before, and the original text before the first and after the last.
    fn join<F>(
        &self,
        node: &Node,
        origins: &[(usize, usize)],
        items: Vec<Item>,
        shape: Shape,
        mut emit_old: F,
    ) -> String
    where
        F: FnMut(usize, &Value) -> String,
    {
        let Shape { indent, brackets, multiline_if_empty } = shape;
        if items.is_empty() {
            return format!("{}{}", brackets.0, brackets.1);
        }
        let inner_start = node.span.start + 1;
        let inner_end = node.span.end - 1;
        let multiline = match origins.first() {
            Some(&(start, _)) => self.starts_line(start),
            None => multiline_if_empty,
        };
        let container_indent = self.line_indent(node.span.start);
        let (lead, trail) = match (origins.first(), origins.last()) {
            (Some(&(first, _)), Some(&(_, last))) => {
                (self.text[inner_start..first].to_string(), self.text[last..inner_end].to_string())
            }
            _ if multiline => {
                (format!("{}{indent}", self.style.newline), format!("{}{container_indent}", self.style.newline))
            }
            _ => (String::new(), String::new()),
        };
        let default_sep = match origins {
            [a, b, ..] => self.text[a.1..b.0].to_string(),
            _ if multiline => format!(",{}{indent}", self.style.newline),
            _ => ", ".to_string(),
        };
        let mut out = String::with_capacity(node.span.end - node.span.start + 64);
        out.push(brackets.0);
        out.push_str(&lead);
        let mut previous: Option<usize> = None;
        for (n, item) in items.into_iter().enumerate() {
            let current = match &item {
                Item::Old(i, _) | Item::Same(i) => Some(*i),
                Item::New(_) => None,
            };
            if n > 0 {
                match (previous, current) {
                    (Some(p), Some(c)) if c == p + 1 => out.push_str(&self.text[origins[p].1..origins[c].0]),
                    _ => out.push_str(&default_sep),
                }
            }
            match item {
                Item::Old(i, v) => out.push_str(&emit_old(i, v)),
                Item::Same(i) => out.push_str(&self.text[origins[i].0..origins[i].1]),
                Item::New(text) => out.push_str(&text),
            }
            previous = current;
        }
        out.push_str(&trail);
        out.push(brackets.1);
        out
    }
}

/// Layout of a container being reassembled.
struct Shape<'s> {
    indent: &'s str,
    brackets: (char, char),
    multiline_if_empty: bool,
}

/// How an original array element relates to the new array.
#[derive(Debug, PartialEq)]
enum Step {
    Keep(usize, usize),
    Change(usize, usize),
    Insert(usize),
}

/// Aligns old elements with new values by longest common subsequence; deleted elements are
/// dropped; a deletion next to an insertion becomes a change (so an edited object keeps its text).
///
/// An edit changes few elements of a long array (a profile's 5,000 rules): the common head and
/// tail are kept as they are, and only the middle goes through the quadratic alignment. The
/// steps are those of aligning the whole arrays (the alignment takes a match whenever it can,
/// so the head is kept either way; the tail is kept unless the middle's last old element or new
/// value equals the tail's first, and then it is shortened to keep the whole alignment's choice).
fn align(items: &[Node], values: &[Value]) -> Vec<Step> {
    let head = items.iter().zip(values).take_while(|(n, v)| node_equals(n, v)).count();
    let (items_rest, values_rest) = (&items[head..], &values[head..]);
    let mut tail = items_rest.iter().rev().zip(values_rest.iter().rev()).take_while(|(n, v)| node_equals(n, v)).count();
    // Where the tail's first element also equals an element left in the middle, the whole
    // alignment may match it there instead: leave such elements in the middle.
    while tail > 0 {
        let first = items.len() - tail;
        let middle_items = &items[head..first];
        let middle_values = &values[head..values.len() - tail];
        let ambiguous = middle_values.iter().any(|v| node_equals(&items[first], v))
            || middle_items.iter().any(|n| node_equals(n, &values[values.len() - tail]));
        if !ambiguous {
            break;
        }
        tail -= 1;
    }
    let mut steps: Vec<Step> = (0..head).map(|i| Step::Keep(i, i)).collect();
    let middle = align_all(&items[head..items.len() - tail], &values[head..values.len() - tail]);
    steps.extend(middle.into_iter().map(|step| match step {
        Step::Keep(i, j) => Step::Keep(head + i, head + j),
        Step::Change(i, j) => Step::Change(head + i, head + j),
        Step::Insert(j) => Step::Insert(head + j),
    }));
    let (old_tail, new_tail) = (items.len() - tail, values.len() - tail);
    steps.extend((0..tail).map(|k| Step::Keep(old_tail + k, new_tail + k)));
    steps
}

/// [`align`] without the shortcuts: a shortest edit script over both arrays, each run of
/// removals and insertions between kept elements paired into changes (an edited rule is a
/// removal and an insertion at one place). Arrays that differ in more than a bound (a block
/// reversed, a list replaced) are changed element by element instead.
fn align_all(items: &[Node], values: &[Value]) -> Vec<Step> {
    // Bounds the comparisons of two unrelated arrays.
    const MAX_WORK: usize = 2_000_000;
    let (n, m) = (items.len(), values.len());
    let max_changes = MAX_WORK / (n + m).max(1);
    let script = shortest_script(n, m, max_changes, |i, j| node_equals(&items[i], &values[j]))
        .unwrap_or_else(|| (0..n).map(Edit::Remove).chain((0..m).map(Edit::Insert)).collect());
    let mut steps = Vec::new();
    let (mut removed, mut inserted): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    let flush = |steps: &mut Vec<Step>, removed: &mut Vec<usize>, inserted: &mut Vec<usize>| {
        let pairs = removed.len().min(inserted.len());
        steps.extend((0..pairs).map(|k| Step::Change(removed[k], inserted[k])));
        steps.extend(inserted[pairs..].iter().map(|&j| Step::Insert(j)));
        removed.clear();
        inserted.clear();
    };
    for edit in script {
        match edit {
            Edit::Keep(i, j) => {
                flush(&mut steps, &mut removed, &mut inserted);
                steps.push(Step::Keep(i, j));
            }
            Edit::Remove(i) => removed.push(i),
            Edit::Insert(j) => inserted.push(j),
        }
    }
    flush(&mut steps, &mut removed, &mut inserted);
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::json::parse::parse;
    use serde_json::json;

    fn apply(text: &str, f: impl FnOnce(&mut Value)) -> String {
        let root = parse(text).unwrap();
        let mut v = root.to_value();
        f(&mut v);
        let out = patch(text, &root, &v);
        assert_eq!(parse(&out).unwrap().to_value(), v, "patched text must parse to the edited value:\n{out}");
        out
    }

    /// The indentation and line-start answers from the line index are those of scanning the
    /// text before the offset, at every offset (one line, `\r\n`, tabs, a last line without a
    /// newline).
    #[test]
    fn line_answers_are_those_of_scanning_back() {
        let texts =
            ["{\"a\": [1, 2]}", "{\n  \"a\": [\n    1\n  ]\n}\n", "{\r\n\t\"a\": 1,\r\n \t\"b\": 2}", "\n\n  x"];
        for text in texts {
            let (style, lines) =
                (Style::detect(text, &parse(text).unwrap_or_else(|_| parse("{}").unwrap())), LineStarts::of(text));
            let p = Patcher { text, style: &style, lines: &lines };
            for offset in 0..=text.len() {
                let before = &text[..offset];
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                let indent: String = text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
                let starts_line = before.contains('\n') && before[line_start..].chars().all(|c| c == ' ' || c == '\t');
                assert_eq!(p.line_indent(offset), indent, "{text:?} at {offset}");
                assert_eq!(p.starts_line(offset), starts_line, "{text:?} at {offset}");
            }
        }
    }

    #[test]
    fn unchanged_value_gives_identical_text() {
        let text = "{\n\t\"a\" :  [1,2 , 3],\n\t\"b\": {\"c\": 1.50}\n}\n";
        assert_eq!(apply(text, |_| {}), text);
    }

    #[test]
    fn scalar_edit_changes_only_that_value() {
        let text = "{\n    \"defaultAction\": \"SCMP_ACT_ERRNO\",\n    \"x\": 1\n}\n";
        let out = apply(text, |v| v["defaultAction"] = json!("SCMP_ACT_LOG"));
        assert_eq!(out, "{\n    \"defaultAction\": \"SCMP_ACT_LOG\",\n    \"x\": 1\n}\n");
    }

    #[test]
    fn removing_and_adding_array_elements_keeps_layout() {
        let text = "{\n\t\"names\": [\n\t\t\"a\",\n\t\t\"b\",\n\t\t\"c\"\n\t]\n}";
        let out = apply(text, |v| drop(v["names"].as_array_mut().unwrap().remove(1)));
        assert_eq!(out, "{\n\t\"names\": [\n\t\t\"a\",\n\t\t\"c\"\n\t]\n}");
        let out = apply(text, |v| v["names"].as_array_mut().unwrap().push(json!("d")));
        assert_eq!(out, "{\n\t\"names\": [\n\t\t\"a\",\n\t\t\"b\",\n\t\t\"c\",\n\t\t\"d\"\n\t]\n}");
        let out = apply(text, |v| v["names"].as_array_mut().unwrap().insert(0, json!("z")));
        assert_eq!(out, "{\n\t\"names\": [\n\t\t\"z\",\n\t\t\"a\",\n\t\t\"b\",\n\t\t\"c\"\n\t]\n}");
        let out = apply(text, |v| v["names"] = json!([]));
        assert_eq!(out, "{\n\t\"names\": []\n}");
    }

    #[test]
    fn inline_arrays_stay_inline() {
        let text = "{\"names\": [\"a\", \"b\"], \"k\": 1}";
        let out = apply(text, |v| v["names"].as_array_mut().unwrap().push(json!("c")));
        assert_eq!(out, "{\"names\": [\"a\", \"b\", \"c\"], \"k\": 1}");
    }

    #[test]
    fn new_keys_go_after_their_predecessor_in_file_style() {
        let text = "{\n  \"a\": 1,\n  \"c\": 3\n}\n";
        let out = apply(text, |v| {
            let mut m = Map::new();
            m.insert("a".into(), json!(1));
            m.insert("b".into(), json!({"x": [1]}));
            m.insert("c".into(), json!(3));
            *v = Value::Object(m);
        });
        assert_eq!(out, "{\n  \"a\": 1,\n  \"b\": {\n    \"x\": [\n      1\n    ]\n  },\n  \"c\": 3\n}\n");
    }

    #[test]
    fn removing_a_key_removes_its_line() {
        let text = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}";
        assert_eq!(
            apply(text, |v| drop(v.as_object_mut().unwrap().shift_remove("b"))),
            "{\n  \"a\": 1,\n  \"c\": 3\n}"
        );
        assert_eq!(
            apply(text, |v| drop(v.as_object_mut().unwrap().shift_remove("c"))),
            "{\n  \"a\": 1,\n  \"b\": 2\n}"
        );
        assert_eq!(
            apply(text, |v| drop(v.as_object_mut().unwrap().shift_remove("a"))),
            "{\n  \"b\": 2,\n  \"c\": 3\n}"
        );
    }

    #[test]
    fn edited_object_in_array_keeps_its_text() {
        let text = "[\n  {\"n\": 1, \"a\": \"x\"},\n  {\"n\": 2, \"a\": \"y\"}\n]";
        let out = apply(text, |v| v[1]["a"] = json!("z"));
        assert_eq!(out, "[\n  {\"n\": 1, \"a\": \"x\"},\n  {\"n\": 2, \"a\": \"z\"}\n]");
    }

    #[test]
    fn filling_an_empty_array_uses_the_layout_of_same_named_arrays() {
        let text = "{\n  \"r\": [\n    {\"args\": [\n      {\"i\": 1}\n    ]},\n    {\"args\": []}\n  ]\n}";
        let out = apply(text, |v| v["r"][1]["args"] = json!([{"i": 2}]));
        assert!(out.contains("{\"args\": [\n      {\n        \"i\": 2\n      }\n    ]}"), "{out}");
    }

    /// The shortcuts of `align` (common head and tail) give the same steps as the full table,
    /// also where the tail's elements repeat in the middle.
    #[test]
    fn trimmed_alignment_equals_the_full_one() {
        let mut rng = crate::profile::synth::XorShift::new(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let old: Vec<usize> = (0..rng.index(7)).map(|_| rng.index(3)).collect();
            let new: Vec<usize> = (0..rng.index(7)).map(|_| rng.index(3)).collect();
            let root = parse(&serde_json::to_string(&old).unwrap()).unwrap();
            let NodeKind::Array(items) = &root.kind else { unreachable!("an array was written") };
            let values: Vec<Value> = new.iter().map(|&v| json!(v)).collect();
            assert_eq!(align(items, &values), align_all(items, &values), "{old:?} -> {new:?}");
        }
    }
}
