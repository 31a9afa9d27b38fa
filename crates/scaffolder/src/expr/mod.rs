//! Template expressions with Backstage's semantics (Nunjucks 3.2.4) on minijinja.
//!
//! Backstage changes only the variable delimiters to `${{ }}`; blocks stay `{% %}` and
//! comments `{# #}`, nothing is escaped, trailing newlines are kept, a missing value prints
//! nothing and `null` prints nothing. Values behave as JavaScript values (`js`), Nunjucks
//! syntax minijinja reads differently is rewritten first (`translate`), and filters and
//! methods follow Nunjucks and Backstage (`filters`, `methods`).

pub(crate) mod filters;
pub(crate) mod js;
mod methods;
pub(crate) mod regex_literal;
pub mod repo_url;
mod translate;
pub(crate) mod value;

use std::io::Write;
use std::sync::Arc;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};

pub use repo_url::{Integrations, RepoSpec, ScmKind, parse_repo_url};
use translate::Delimiters;

/// Where a template string came from, for messages: a file and the line it starts on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin<'a> {
    pub file: &'a str,
    /// Line (from 1) of the string's first line in `file`; 0 when unknown.
    pub line: u32,
}

/// An expression that could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ExprError {
    /// The template file (template.yaml or a skeleton file).
    pub file: String,
    /// The line, when known.
    pub line: Option<u32>,
    /// What went wrong and, where it helps, what to do.
    pub message: String,
    /// Whether the template does not even parse (as opposed to failing while rendering).
    pub syntax: bool,
}

/// How much one render may produce and compute: a template is untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderLimits {
    /// Largest output of one template string or file, in bytes.
    pub max_output_bytes: usize,
    /// minijinja instructions one render may execute (bounds endless loops).
    pub fuel: u64,
}

impl Default for RenderLimits {
    fn default() -> Self {
        RenderLimits {
            max_output_bytes: 32 * 1024 * 1024,
            fuel: 50_000_000,
        }
    }
}

/// Settings of one renderer, as Backstage's `SecureTemplater` takes them.
#[derive(Debug, Clone, Default)]
pub(crate) struct EngineSettings {
    pub integrations: Arc<Integrations>,
    pub trim_blocks: bool,
    pub lstrip_blocks: bool,
    /// `{{ }}` variables and jinja-compat methods, as `fetch:template`'s cookiecutterCompat.
    pub cookiecutter_compat: bool,
    pub limits: RenderLimits,
}

/// A configured renderer.
pub(crate) struct Engine {
    env: Environment<'static>,
    delimiters: Delimiters,
    limits: RenderLimits,
}

impl Engine {
    /// A renderer configured as Nunjucks is in Backstage.
    pub(crate) fn new(settings: &EngineSettings) -> Engine {
        let var_start = if settings.cookiecutter_compat {
            "{{"
        } else {
            "${{"
        };
        // minijinja's built-in filters and tests stay; the ones Nunjucks defines differently
        // are replaced below.
        let mut env = Environment::new();
        if let Ok(syntax) = SyntaxConfig::builder()
            .variable_delimiters(var_start, "}}")
            .trim_blocks(settings.trim_blocks)
            .lstrip_blocks(settings.lstrip_blocks)
            .keep_trailing_newline(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_undefined_behavior(UndefinedBehavior::Chainable);
        env.set_fuel(Some(settings.limits.fuel));
        env.set_formatter(|out, _state, value| {
            out.write_str(&js::print(value))
                .map_err(|_| minijinja::Error::new(ErrorKind::WriteFailure, "output too large"))
        });
        let compat = settings.cookiecutter_compat;
        env.set_unknown_method_callback(move |state, value, method, args| {
            methods::call(compat, state, value, method, args)
        });
        filters::register(&mut env, settings.integrations.clone());
        Engine {
            env,
            delimiters: Delimiters { var_start },
            limits: settings.limits,
        }
    }

    /// Renders a template string.
    pub(crate) fn render(
        &self,
        source: &str,
        context: &Value,
        origin: Origin<'_>,
    ) -> Result<String, ExprError> {
        // Text without any tag renders to itself; skip the work.
        if !source.contains(self.delimiters.var_start)
            && !source.contains("{%")
            && !source.contains("{#")
        {
            return Ok(source.to_owned());
        }
        let translated = translate::translate(source, self.delimiters);
        let template = self
            .env
            .template_from_str(&translated)
            .map_err(|e| self.error(e, origin, true))?;
        let mut out = Limited {
            buf: Vec::new(),
            max: self.limits.max_output_bytes,
        };
        template
            .render_captured_to(context.clone(), &mut out)
            .map_err(|e| self.error(e, origin, false))?;
        Ok(String::from_utf8_lossy(&out.buf).into_owned())
    }

    /// Whether the string is one Nunjucks node that is not plain text, which Backstage
    /// renders keeping the value's type.
    pub(crate) fn is_single_expression(&self, source: &str) -> bool {
        translate::is_single_node(source, self.delimiters)
    }

    fn error(&self, err: minijinja::Error, origin: Origin<'_>, syntax: bool) -> ExprError {
        let line = err
            .line()
            .map(|l| origin.line.max(1) + l as u32 - 1)
            .or((origin.line > 0).then_some(origin.line));
        let mut message = match err.kind() {
            ErrorKind::WriteFailure => format!(
                "the rendered output is larger than {} MiB; the template is refused",
                self.limits.max_output_bytes / (1024 * 1024)
            ),
            ErrorKind::OutOfFuel => {
                "rendering did not finish within Greenroom's computation limit (an endless or huge loop?)".into()
            }
            ErrorKind::UnknownFilter => format!(
                "{}; Backstage's own filters (parseRepoUrl, parseEntityRef, pick, projectSlug) and Nunjucks' built-ins are available, custom filters from Backstage plugins are not",
                err.detail().unwrap_or("unknown filter")
            ),
            _ => match err.detail() {
                Some(detail) => detail.to_owned(),
                None => err.kind().to_string(),
            },
        };
        if syntax {
            message = format!(
                "{message} (the template does not parse; Nunjucks-only syntax such as `switch` is not supported)"
            );
        }
        ExprError {
            file: origin.file.to_owned(),
            line,
            message,
            syntax,
        }
    }
}

/// An output buffer that refuses to grow past a limit.
struct Limited {
    buf: Vec<u8>,
    max: usize,
}

impl Write for Limited {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > self.max {
            return Err(std::io::Error::other("output limit"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Options of a [`Renderer`].
#[derive(Debug, Clone, Default)]
pub struct RendererOptions {
    /// Hosts `parseRepoUrl` and `projectSlug` accept.
    pub integrations: Integrations,
    /// Nunjucks' `trimBlocks`.
    pub trim_blocks: bool,
    /// Nunjucks' `lstripBlocks`.
    pub lstrip_blocks: bool,
    /// `{{ }}` variables and jinja-compat methods, as `fetch:template`'s cookiecutterCompat.
    pub cookiecutter_compat: bool,
    /// Output and computation limits.
    pub limits: RenderLimits,
}

/// Renders template strings and template.yaml values with Backstage's semantics; for
/// previews and tools (runs use it internally).
pub struct Renderer {
    engine: Engine,
}

impl Renderer {
    /// A renderer with the given options.
    pub fn new(options: RendererOptions) -> Renderer {
        Renderer {
            engine: Engine::new(&EngineSettings {
                integrations: Arc::new(options.integrations),
                trim_blocks: options.trim_blocks,
                lstrip_blocks: options.lstrip_blocks,
                cookiecutter_compat: options.cookiecutter_compat,
                limits: options.limits,
            }),
        }
    }

    /// Renders a template string (a skeleton file's content or path) against a JSON context.
    pub fn render_str(
        &self,
        source: &str,
        context: &serde_json::Value,
    ) -> Result<String, ExprError> {
        let context = js::from_json(context);
        self.engine.render(
            source,
            &context,
            Origin {
                file: "<string>",
                line: 0,
            },
        )
    }

    /// Renders a value as the workflow runner renders step inputs: every string leaf, with
    /// single expressions keeping their type; `None` when the value disappears.
    pub fn render_value(
        &self,
        value: &serde_json::Value,
        context: &serde_json::Value,
    ) -> Result<Option<serde_json::Value>, ExprError> {
        let context = js::from_json(context);
        let mut renderer = value::ValueRenderer {
            engine: &self.engine,
            context: &context,
            file: "<value>",
            warnings: Vec::new(),
        };
        renderer.render(&value::node_from_json(value))
    }
}
