//! The parameter form: `spec.parameters` as JSON Schema pages for react-jsonschema-form,
//! with the `ui:*` keys split into a uiSchema as Backstage's frontend does
//! (`plugins/scaffolder-react/src/next/lib/schema.ts`), the picker fields named so the app can
//! back them with the local catalog, defaults, secrets, and validation of submitted values
//! against every page as Backstage's backend does.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ValueProblem;

/// The form of a template.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParameterForm {
    /// The pages, in order (a single schema is one page).
    pub pages: Vec<FormPage>,
}

/// One page of the form.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormPage {
    /// The page title.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub title: Option<String>,
    /// The page description.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub description: Option<String>,
    /// The JSON Schema without `ui:*` keys, ready for `@rjsf/core`'s `schema`.
    pub schema: Value,
    /// The `ui:*` keys, ready for `@rjsf/core`'s `uiSchema`.
    pub ui_schema: Value,
    /// Fields with a custom field or widget the app has to provide.
    pub fields: Vec<FormField>,
    /// The page as written (with `ui:*` keys), which submitted values are validated against.
    #[serde(skip)]
    pub(crate) raw: Value,
}

/// A field that needs more than a plain input.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FormField {
    /// Property path from the page root, e.g. `["owner"]` or `["repo", "url"]`.
    pub path: Vec<String>,
    /// The `ui:field` or `ui:widget`.
    pub widget: FieldWidget,
    /// `ui:options`, e.g. `catalogFilter` or `allowedHosts`.
    pub options: Value,
    /// Whether the value is a secret (kept out of logs, answers and records).
    pub secret: bool,
}

/// What the app must render for a field.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "camelCase")]
pub enum FieldWidget {
    /// `OwnerPicker`: a group or user from the catalog.
    OwnerPicker,
    /// `EntityPicker`: an entity from the catalog, narrowed by `catalogFilter`.
    EntityPicker,
    /// `OwnedEntityPicker`: an entity the user owns.
    OwnedEntityPicker,
    /// `MultiEntityPicker`: several entities.
    MultiEntityPicker,
    /// `MyGroupsPicker`: one of the user's groups.
    MyGroupsPicker,
    /// `EntityNamePicker`: a name with Backstage's name rules.
    EntityNamePicker,
    /// `EntityTagsPicker`: tags.
    EntityTagsPicker,
    /// `RepoUrlPicker`: a repository (`host?owner=o&repo=r`); locally a folder plus the remote.
    RepoUrlPicker,
    /// `RepoBranchPicker`: a branch.
    RepoBranchPicker,
    /// `ui:widget: password`: a secret that stays in `parameters`, as in Backstage.
    Password,
    /// `ui:field: Secret`: a secret the form sends as `secrets.<name>`, not in `parameters`.
    Secret,
    /// Another field extension, e.g. a vendor's; the app shows a text input.
    Other(String),
}

impl FieldWidget {
    fn from_ui(field: Option<&str>, widget: Option<&str>) -> Option<FieldWidget> {
        Some(match (field, widget) {
            (Some("Secret"), _) => FieldWidget::Secret,
            (_, Some("password")) => FieldWidget::Password,
            (Some("OwnerPicker"), _) => FieldWidget::OwnerPicker,
            (Some("EntityPicker"), _) => FieldWidget::EntityPicker,
            (Some("OwnedEntityPicker"), _) => FieldWidget::OwnedEntityPicker,
            (Some("MultiEntityPicker"), _) => FieldWidget::MultiEntityPicker,
            (Some("MyGroupsPicker"), _) => FieldWidget::MyGroupsPicker,
            (Some("EntityNamePicker"), _) => FieldWidget::EntityNamePicker,
            (Some("EntityTagsPicker"), _) => FieldWidget::EntityTagsPicker,
            (Some("RepoUrlPicker"), _) => FieldWidget::RepoUrlPicker,
            (Some("RepoBranchPicker"), _) => FieldWidget::RepoBranchPicker,
            (Some(other), _) => FieldWidget::Other(other.to_owned()),
            (None, _) => return None,
        })
    }
}

impl ParameterForm {
    /// Builds the form from `spec.parameters` (one schema or a list of pages).
    pub fn from_parameters(parameters: Option<&Value>) -> Result<ParameterForm, String> {
        let pages: Vec<Value> = match parameters {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(pages)) => pages.clone(),
            Some(page @ Value::Object(_)) => vec![page.clone()],
            Some(other) => {
                return Err(format!(
                    "spec.parameters must be a schema or a list of schemas, not {other}"
                ));
            }
        };
        let mut out = Vec::with_capacity(pages.len());
        for (index, raw) in pages.into_iter().enumerate() {
            if !raw.is_object() {
                return Err(format!(
                    "spec.parameters[{index}] must be a JSON Schema object"
                ));
            }
            jsonschema::draft7::new(&raw)
                .map_err(|e| format!("spec.parameters[{index}] is not a valid JSON Schema: {e}"))?;
            let mut schema = raw.clone();
            let mut ui_schema = Map::new();
            extract_ui_schema(&mut schema, &mut ui_schema);
            let mut fields = Vec::new();
            collect_fields(&raw, &mut Vec::new(), &mut fields);
            out.push(FormPage {
                title: raw.get("title").and_then(Value::as_str).map(str::to_owned),
                description: raw
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                schema,
                ui_schema: Value::Object(ui_schema),
                fields,
                raw,
            });
        }
        Ok(ParameterForm { pages: out })
    }

    /// Every field that needs the app's help, over all pages.
    pub fn fields(&self) -> impl Iterator<Item = &FormField> {
        self.pages.iter().flat_map(|p| p.fields.iter())
    }

    /// Fills in the schema's `default`s for values the user left out, as the form does.
    pub fn apply_defaults(&self, values: &Map<String, Value>) -> Map<String, Value> {
        let mut out = values.clone();
        for page in &self.pages {
            fill_defaults(&page.raw, &mut out);
        }
        out
    }

    /// Checks values against every page, as Backstage's backend does before a run.
    pub fn validate(&self, values: &Value) -> Vec<ValueProblem> {
        let mut problems = Vec::new();
        for (index, page) in self.pages.iter().enumerate() {
            let Ok(validator) = jsonschema::draft7::new(&page.raw) else {
                continue;
            };
            for error in validator.iter_errors(values) {
                problems.push(ValueProblem {
                    page: index,
                    pointer: error.instance_path().to_string(),
                    message: error.to_string(),
                });
            }
        }
        problems
    }

    /// The dotted paths of secret fields (`ui:widget: password`, `ui:field: Secret`).
    pub fn secret_keys(&self) -> Vec<String> {
        self.fields()
            .filter(|f| f.secret)
            .map(|f| f.path.join("."))
            .collect()
    }
}

/// Moves `ui:*` keys into a uiSchema, walking `properties`, `items`, `anyOf`, `oneOf`, `allOf`,
/// `dependencies`, `then` and `else` as Backstage's `extractUiSchema` does.
fn extract_ui_schema(schema: &mut Value, ui: &mut Map<String, Value>) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    let ui_keys: Vec<String> = obj
        .keys()
        .filter(|k| k.starts_with("ui:"))
        .cloned()
        .collect();
    for key in ui_keys {
        if let Some(v) = obj.remove(&key) {
            ui.insert(key, v);
        }
    }
    if let Some(Value::Object(properties)) = obj.get_mut("properties") {
        for (name, node) in properties.iter_mut() {
            if !node.is_object() {
                continue;
            }
            if !ui.get(name).is_some_and(Value::is_object) {
                ui.insert(name.clone(), Value::Object(Map::new()));
            }
            if let Some(Value::Object(inner)) = ui.get_mut(name) {
                extract_ui_schema(node, inner);
            }
        }
    }
    if let Some(items) = obj.get_mut("items").filter(|i| i.is_object()) {
        let mut inner = Map::new();
        extract_ui_schema(items, &mut inner);
        ui.insert("items".into(), Value::Object(inner));
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = obj.get_mut(key) {
            for branch in branches.iter_mut().filter(|b| b.is_object()) {
                extract_ui_schema(branch, ui);
            }
        }
    }
    if let Some(Value::Object(deps)) = obj.get_mut("dependencies") {
        for dep in deps.values_mut().filter(|d| d.is_object()) {
            extract_ui_schema(dep, ui);
        }
    }
    for key in ["then", "else"] {
        if let Some(branch) = obj.get_mut(key).filter(|b| b.is_object()) {
            extract_ui_schema(branch, ui);
        }
    }
}

/// Finds fields with `ui:field`/`ui:widget`, including those inside conditional branches.
fn collect_fields(schema: &Value, path: &mut Vec<String>, out: &mut Vec<FormField>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if !path.is_empty() {
        let field = obj.get("ui:field").and_then(Value::as_str);
        let widget = obj.get("ui:widget").and_then(Value::as_str);
        if let Some(kind) = FieldWidget::from_ui(field, widget)
            && !out.iter().any(|f| f.path == *path)
        {
            out.push(FormField {
                path: path.clone(),
                secret: matches!(kind, FieldWidget::Secret | FieldWidget::Password),
                widget: kind,
                options: obj
                    .get("ui:options")
                    .cloned()
                    .unwrap_or(Value::Object(Map::new())),
            });
        }
    }
    if let Some(Value::Object(properties)) = obj.get("properties") {
        for (name, node) in properties {
            path.push(name.clone());
            collect_fields(node, path, out);
            path.pop();
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = obj.get(key) {
            for branch in branches {
                collect_fields(branch, path, out);
            }
        }
    }
    if let Some(Value::Object(deps)) = obj.get("dependencies") {
        for dep in deps.values() {
            collect_fields(dep, path, out);
        }
    }
    for key in ["then", "else"] {
        if let Some(branch) = obj.get(key) {
            collect_fields(branch, path, out);
        }
    }
}

fn fill_defaults(schema: &Value, values: &mut Map<String, Value>) {
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return;
    };
    for (name, node) in properties {
        match values.get_mut(name) {
            None => {
                if let Some(default) = node.get("default") {
                    values.insert(name.clone(), default.clone());
                } else if node.get("type").and_then(Value::as_str) == Some("object")
                    && node.get("properties").is_some()
                {
                    let mut inner = Map::new();
                    fill_defaults(node, &mut inner);
                    if !inner.is_empty() {
                        values.insert(name.clone(), Value::Object(inner));
                    }
                }
            }
            Some(Value::Object(inner)) => fill_defaults(node, inner),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form() -> ParameterForm {
        ParameterForm::from_parameters(Some(&json!([
            {
                "title": "Basics",
                "required": ["name", "owner"],
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9-]+$", "ui:autofocus": true},
                    "owner": {"type": "string", "ui:field": "OwnerPicker", "ui:options": {"catalogFilter": {"kind": "Group"}}},
                    "port": {"type": "integer", "default": 8080},
                    "ci": {"type": "string", "enum": ["github", "none"], "default": "github"}
                },
                "dependencies": {
                    "ci": {"oneOf": [
                        {"properties": {"ci": {"const": "github"}, "token": {"type": "string", "ui:widget": "password"}}},
                        {"properties": {"ci": {"const": "none"}}}
                    ]}
                }
            },
            {
                "title": "Repository",
                "properties": {"repoUrl": {"type": "string", "ui:field": "RepoUrlPicker", "ui:options": {"allowedHosts": ["github.com"]}}}
            }
        ])))
        .expect("valid form")
    }

    #[test]
    fn ui_keys_move_to_the_ui_schema() {
        let form = form();
        let page = &form.pages[0];
        assert_eq!(
            page.schema["properties"]["owner"],
            json!({"type": "string"})
        );
        assert_eq!(page.ui_schema["owner"]["ui:field"], "OwnerPicker");
        assert_eq!(page.ui_schema["name"]["ui:autofocus"], true);
        assert_eq!(page.ui_schema["token"]["ui:widget"], "password");
        assert!(
            page.schema["dependencies"]["ci"]["oneOf"][0]["properties"]["token"]
                .get("ui:widget")
                .is_none()
        );
    }

    #[test]
    fn pickers_and_secrets_are_named() {
        let form = form();
        let kinds: Vec<_> = form
            .fields()
            .map(|f| (f.path.join("."), f.widget.clone()))
            .collect();
        assert!(kinds.contains(&("owner".into(), FieldWidget::OwnerPicker)));
        assert!(kinds.contains(&("repoUrl".into(), FieldWidget::RepoUrlPicker)));
        assert!(kinds.contains(&("token".into(), FieldWidget::Password)));
        assert_eq!(form.secret_keys(), vec!["token".to_owned()]);
    }

    #[test]
    fn defaults_fill_in_and_values_validate_against_every_page() {
        let form = form();
        let values = form.apply_defaults(json!({"name": "Bad Name"}).as_object().expect("object"));
        assert_eq!(values["port"], 8080);
        let problems = form.validate(&Value::Object(values));
        let pointers: Vec<_> = problems.iter().map(|p| p.pointer.as_str()).collect();
        assert!(pointers.contains(&"/name"), "{problems:?}");
        assert!(
            problems.iter().any(|p| p.message.contains("owner")),
            "{problems:?}"
        );
        let ok = form.apply_defaults(
            json!({"name": "good", "owner": "group:a"})
                .as_object()
                .expect("object"),
        );
        assert!(form.validate(&Value::Object(ok)).is_empty());
    }
}
