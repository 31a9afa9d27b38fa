//! Server-side code highlighting (what `pymdownx.highlight` does with Pygments), with syntect
//! and the syntax set bundled by `two-face` (TypeScript, TOML, Dockerfile, HCL, …), so nothing
//! is fetched and no JavaScript is needed to read code.

use std::fmt::Write;
use std::sync::OnceLock;

use pulldown_cmark_escape::{escape_html, escape_html_body_text};
use std::cell::RefCell;
use std::collections::HashMap;

use syntect::html::{ClassStyle, css_for_theme_with_class_style};
use syntect::parsing::{
    BasicScopeStackOp, ParseState, Scope, ScopeStack, ScopeStackOp, SyntaxReference, SyntaxSet,
};

/// Class prefix of highlighted spans, so the theme CSS applies to nothing else.
const PREFIX: &str = "hl-";
const STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: PREFIX };
/// Lines longer than this are not highlighted (minified files would be slow and useless).
const MAX_HIGHLIGHT_LINE: usize = 5_000;
/// Blocks longer than this many bytes are shown unhighlighted.
const MAX_HIGHLIGHT_BYTES: usize = 512 * 1024;

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// Loads the syntax definitions now rather than on the first code block (they take tens of
/// milliseconds), e.g. before a timed or parallel build.
pub fn warm_up() {
    let _ = syntaxes();
}

/// The CSS for highlighted code: a light theme, and a dark one under
/// `prefers-color-scheme: dark`.
pub fn theme_css() -> String {
    use two_face::theme::EmbeddedThemeName;
    let themes = two_face::theme::extra();
    let light =
        css_for_theme_with_class_style(themes.get(EmbeddedThemeName::InspiredGithub), STYLE)
            .unwrap_or_default();
    let dark = css_for_theme_with_class_style(themes.get(EmbeddedThemeName::OneHalfDark), STYLE)
        .unwrap_or_default();
    format!("{light}\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n")
}

/// What a fence's info string asks for (`python title="app.py" linenums="3" hl_lines="2 4"`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct FenceInfo {
    pub lang: String,
    pub title: Option<String>,
    pub linenums_start: Option<usize>,
    pub hl_lines: Vec<usize>,
    pub classes: Vec<String>,
    pub id: Option<String>,
}

/// Parses a fence info string in both forms superfences accepts: `lang key="v"` and
/// `{ .lang #id key="v" }`.
pub(crate) fn parse_info(info: &str) -> FenceInfo {
    let mut out = FenceInfo::default();
    let info = info.trim();
    let (braced, body) = match info.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(inner) => (true, inner),
        None => (false, info),
    };
    for (i, token) in tokens(body).into_iter().enumerate() {
        if let Some((key, value)) = token.split_once('=') {
            let value = value.trim_matches(|c| c == '"' || c == '\'');
            match key {
                "title" => out.title = Some(value.to_string()),
                "linenums" => {
                    out.linenums_start =
                        value.split_whitespace().next().and_then(|v| v.parse().ok())
                }
                "hl_lines" => {
                    for part in value.split_whitespace() {
                        if let Some((a, b)) = part.split_once('-') {
                            if let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) {
                                out.hl_lines.extend(a..=b.min(a + 10_000));
                            }
                        } else if let Ok(n) = part.parse() {
                            out.hl_lines.push(n);
                        }
                    }
                }
                _ => {}
            }
        } else if let Some(class) = token.strip_prefix('.') {
            if out.lang.is_empty() {
                out.lang = class.to_string();
            } else {
                out.classes.push(class.to_string());
            }
        } else if let Some(id) = token.strip_prefix('#') {
            out.id = Some(id.to_string());
        } else if i == 0 && !braced {
            out.lang = token.to_string();
        }
    }
    out
}

/// Splits on whitespace, keeping quoted values together.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            (None, c) if c.is_whitespace() => {
                if let Some(s0) = start.take() {
                    out.push(&s[s0..i]);
                }
            }
            (None, _) => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s0) = start {
        out.push(&s[s0..]);
    }
    out
}

fn find_syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let set = syntaxes();
    let lang = lang.to_ascii_lowercase();
    let token = match lang.as_str() {
        "" | "text" | "txt" | "plain" | "plaintext" | "none" | "nohighlight" => return None,
        "console" | "shell" | "shell-session" | "sh" | "zsh" | "bash" | "shellsession" => "bash",
        "terraform" | "tf" => "hcl",
        "golang" => "go",
        "js" | "jsx" | "node" | "mjs" => "js",
        "ts" | "tsx" => "ts",
        "py" | "python3" | "py3" => "py",
        "yml" => "yaml",
        "dockerfile" | "docker" => "Dockerfile",
        "csharp" | "c#" => "cs",
        "ps1" | "powershell" | "pwsh" => "ps1",
        "jsonc" | "json5" => "json",
        "make" | "makefile" => "Makefile",
        other => other,
    };
    set.find_syntax_by_token(token)
        .or_else(|| set.find_syntax_by_name(token))
}

/// Renders a code block as pymdownx.highlight does with `linenums: true` (a table of line
/// numbers and code), with the title above it.
pub(crate) fn code_block(code: &str, info: &FenceInfo, out: &mut String) {
    let syntax = if code.len() <= MAX_HIGHLIGHT_BYTES {
        find_syntax(&info.lang)
    } else {
        None
    };
    let lang_class = if info.lang.is_empty() {
        String::new()
    } else {
        let mut c = String::from("language-");
        let _ = escape_html(&mut c, &info.lang);
        c.push(' ');
        c
    };
    out.push_str("<div class=\"");
    out.push_str(&lang_class);
    out.push_str("highlight");
    for class in &info.classes {
        out.push(' ');
        let _ = escape_html(&mut *out, class);
    }
    out.push('"');
    if let Some(id) = &info.id {
        out.push_str(" id=\"");
        let _ = escape_html(&mut *out, id);
        out.push('"');
    }
    out.push('>');
    if let Some(title) = &info.title {
        out.push_str("<span class=\"filename\">");
        let _ = escape_html_body_text(&mut *out, title);
        out.push_str("</span>");
    }
    let code = code.strip_suffix('\n').unwrap_or(code);
    let lines: Vec<&str> = code.split('\n').collect();
    let start = info.linenums_start.unwrap_or(1);
    out.push_str(
        "<table class=\"highlighttable\"><tr><td class=\"linenos\"><div class=\"linenodiv\"><pre>",
    );
    for n in 0..lines.len() {
        let _ = writeln!(out, "<span class=\"normal\">{}</span>", start + n);
    }
    out.push_str("</pre></div></td><td class=\"code\"><div><pre><span></span><code>");
    match syntax {
        Some(syntax) => highlighted_lines(syntax, &lines, &info.hl_lines, out),
        None => {
            for (i, line) in lines.iter().enumerate() {
                let hl = info.hl_lines.contains(&(i + 1));
                if hl {
                    out.push_str("<span class=\"hll\">");
                }
                let _ = escape_html_body_text(&mut *out, line);
                out.push('\n');
                if hl {
                    out.push_str("</span>");
                }
            }
        }
    }
    out.push_str("</code></pre></div></td></tr></table></div>\n");
}

/// Highlights line by line, closing every open span at the end of each line and reopening
/// it on the next, so each line is balanced HTML and can be wrapped for `hl_lines`.
fn highlighted_lines(syntax: &SyntaxReference, lines: &[&str], hl: &[usize], out: &mut String) {
    let set = syntaxes();
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut line_buf = String::new();
    for (i, line) in lines.iter().enumerate() {
        let is_hl = hl.contains(&(i + 1));
        if is_hl {
            out.push_str("<span class=\"hll\">");
        }
        for scope in stack.as_slice() {
            open_span(*scope, out);
        }
        let highlighted = if line.len() > MAX_HIGHLIGHT_LINE {
            None
        } else {
            line_buf.clear();
            line_buf.push_str(line);
            line_buf.push('\n');
            state
                .parse_line(&line_buf, set)
                .ok()
                .and_then(|ops| classed_spans(&line_buf, &ops, &mut stack))
        };
        match highlighted {
            Some(html) => out.push_str(&html),
            None => {
                let _ = escape_html_body_text(&mut *out, line);
                out.push('\n');
            }
        }
        for _ in 0..stack.len() {
            out.push_str("</span>");
        }
        if is_hl {
            out.push_str("</span>");
        }
    }
}

/// The HTML of one line's tokens, as syntect's `line_tokens_to_classed_spans` but with class
/// names cached per thread: turning a scope into its name takes a process-wide lock in
/// syntect, which serialises parallel page rendering.
fn classed_spans(
    line: &str,
    ops: &[(usize, ScopeStackOp)],
    stack: &mut ScopeStack,
) -> Option<String> {
    let mut html = String::with_capacity(line.len() + ops.len() * 24);
    let mut at = 0;
    for (pos, op) in ops {
        let pos = (*pos).min(line.len());
        if pos > at {
            let _ = escape_html_body_text(&mut html, &line[at..pos]);
            at = pos;
        }
        stack
            .apply_with_hook(op, |basic, _| match basic {
                BasicScopeStackOp::Push(scope) => open_span(scope, &mut html),
                BasicScopeStackOp::Pop => html.push_str("</span>"),
            })
            .ok()?;
    }
    let _ = escape_html_body_text(&mut html, &line[at..]);
    Some(html)
}

fn open_span(scope: Scope, out: &mut String) {
    thread_local! {
        static CLASSES: RefCell<HashMap<Scope, String>> = RefCell::new(HashMap::new());
    }
    CLASSES.with(|classes| {
        let mut classes = classes.borrow_mut();
        let class = classes.entry(scope).or_insert_with(|| {
            scope
                .build_string()
                .split('.')
                .map(|atom| format!("{PREFIX}{atom}"))
                .collect::<Vec<_>>()
                .join(" ")
        });
        out.push_str("<span class=\"");
        out.push_str(class);
        out.push_str("\">");
    });
}

/// `pymdownx.inlinehilite`: `` `#!python x = 1` `` highlighted inline.
pub(crate) fn inline_code(lang: &str, code: &str, out: &mut String) {
    out.push_str("<code class=\"highlight language-");
    let _ = escape_html(&mut *out, lang);
    out.push_str("\">");
    let Some(syntax) = find_syntax(lang).filter(|_| code.len() <= MAX_HIGHLIGHT_LINE) else {
        let _ = escape_html_body_text(&mut *out, code);
        out.push_str("</code>");
        return;
    };
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let line = format!("{code}\n");
    match state
        .parse_line(&line, syntaxes())
        .ok()
        .and_then(|ops| classed_spans(&line, &ops, &mut stack))
    {
        Some(html) => {
            out.push_str(html.trim_end_matches('\n'));
            for _ in 0..stack.len() {
                out.push_str("</span>");
            }
        }
        None => {
            let _ = escape_html_body_text(&mut *out, code);
        }
    }
    out.push_str("</code>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_info_string_forms() {
        let info = parse_info(r#"python title="app.py" linenums="3" hl_lines="1 3-4""#);
        assert_eq!(info.lang, "python");
        assert_eq!(info.title.as_deref(), Some("app.py"));
        assert_eq!(info.linenums_start, Some(3));
        assert_eq!(info.hl_lines, [1, 3, 4]);
        let braced = parse_info(r#"{ .yaml .extra #cfg title="a b.yml" }"#);
        assert_eq!(braced.lang, "yaml");
        assert_eq!(braced.classes, ["extra"]);
        assert_eq!(braced.title.as_deref(), Some("a b.yml"));
    }

    #[test]
    fn highlights_with_balanced_lines_and_numbers() {
        let mut out = String::new();
        code_block(
            "def f():\n    \"\"\"doc\n    string\"\"\"\n    return 1\n",
            &parse_info("python hl_lines=\"2\""),
            &mut out,
        );
        assert!(out.contains("<span class=\"normal\">4</span>"));
        assert!(out.contains("hl-keyword"), "{out}");
        assert!(out.contains("<span class=\"hll\">"));
        assert_eq!(out.matches("<span").count(), out.matches("</span>").count());
        let mut plain = String::new();
        code_block("<script>", &parse_info("unknown-lang"), &mut plain);
        assert!(plain.contains("&lt;script&gt;"));
    }
}
