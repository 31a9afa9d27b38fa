//! Expressions rendered by Greenroom and by Nunjucks 3.2.4 with Backstage's settings must be
//! byte-for-byte equal.

use greenroom_scaffolder::expr::{Renderer, RendererOptions};
use serde_json::{Value, json};

use crate::reference;

fn context() -> Value {
    json!({
        "values": {
            "name": "payments-api",
            "title": "my-svc x",
            "owner": "group:default/team-a",
            "repoUrl": "github.com?owner=acme&repo=payments-api",
            "port": 8080,
            "ratio": 1.5,
            "whole": 2.0,
            "enabled": true,
            "disabled": false,
            "nothing": null,
            "tags": ["rust", "http", "api"],
            "empty": [],
            "emptyObj": {},
            "mixed": [1, null, "x", [2, 3]],
            "meta": {"b": 1, "a": {"deep": "yes"}, "2": "two", "1": "one"},
            "text": "line one\n\nline three\n",
            "description": "A service: handles \"payments\" & <refunds>",
            "path": "io.acme.demo",
            "count": 3
        }
    })
}

/// Templates Nunjucks renders without error; Greenroom must give the same bytes.
const CASES: &[&str] = &[
    // Printing: undefined, null, booleans, numbers, containers.
    "${{ values.name }}|${{ values.missing }}|${{ values.missing.deeper.still }}|${{ values.nothing }}|${{ values.nothing.x }}",
    "${{ values.enabled }}|${{ values.disabled }}|${{ values.port }}|${{ values.ratio }}|${{ values.whole }}|${{ 4 / 2 }}|${{ 10 / 4 }}|${{ 7 // 2 }}|${{ 2 ** 10 }}|${{ 0.1 + 0.2 }}",
    "${{ values.tags }}|${{ values.mixed }}|${{ values.meta }}|${{ values.empty }}|${{ [1, 'a', none] }}|${{ {a: 1} }}",
    "${{ none }}|${{ null }}|${{ true }}|${{ 1.0 }}|${{ -3 }}|${{ 1 / 3 }}",
    // Trailing newlines are kept; text without tags is untouched.
    "first\nsecond\n\n",
    "${{ values.name }}\n",
    // JavaScript operators and literals.
    "{% if values.port === 8080 %}eq{% endif %}{% if values.name !== 'x' %}ne{% endif %}",
    "${{ values.name + '-' + values.port }}|${{ 'v' + 1 }}|${{ values.port + 1 }}|${{ values.missing + '/' }}|${{ values.ratio + 1 }}|${{ values.tags + '' }}",
    "${{ {a: 1, 'b': values.name} | dump }}|${{ {name: values.name, port: values.port} | dump(2) }}",
    "${{ values.name.length }}|${{ values.tags.length }}|${{ values.meta.length }}|${{ 'héllo'.length }}",
    "{% for x in values.tags %}${{ loop.index }}/${{ loop.length }}:${{ x }}{% if not loop.last %},{% endif %}{% endfor %}",
    "{% for k, v in values.meta %}[${{ k }}=${{ v }}]{% endfor %}",
    "{% for x in values.meta %}[${{ x }}]{% else %}no single-name loop over objects{% endfor %}",
    "{% for c in 'abc' %}<${{ c }}>{% endfor %}",
    "{% for a, b in [[1, 2], [3, 4]] %}${{ a }}${{ b }};{% endfor %}",
    // JavaScript truthiness: empty arrays and objects are true.
    "{% if values.empty %}empty-array-true{% endif %}|{% if values.emptyObj %}empty-object-true{% endif %}|{% if values.nothing %}x{% else %}null-false{% endif %}",
    "{% if values.port > 8000 and values.name == 'payments-api' %}a{% elseif values.missing %}b{% else %}c{% endif %}",
    "{% if not values.missing %}!{% endif %}{% if 'http' in values.tags %}in{% endif %}{% if 'pay' in values.name %}sub{% endif %}",
    // Methods real templates call.
    "${{ values.name.replace('-', '_') }}|${{ values.name.toUpperCase() }}|${{ values.path.split('.') | join('/') }}|${{ values.path.split('.') | dump }}",
    "${{ values.name.startsWith('pay') }}|${{ values.name.endsWith('api') }}|${{ values.name.includes('ment') }}|${{ values.name.indexOf('-') }}|${{ values.name.slice(0, 3) }}|${{ values.name.slice(-3) }}|${{ values.name.substring(2, 5) }}",
    "${{ '  x  '.trim() }}|${{ values.tags.join(' + ') }}|${{ values.tags.indexOf('http') }}|${{ values.tags.includes('api') }}|${{ values.tags.slice(1) }}|${{ values.name.charAt(0).toUpperCase() + values.name.slice(1) }}",
    "${{ values.name.replace(r/-/g, '.') }}|${{ values.name | replace(r/[aeiou]/g, '') }}|${{ values.name | replace('a', 'A') }}|${{ values.name | replace('a', 'A', 1) }}|${{ 'abc' | replace('', '.') }}",
    // Nunjucks filters whose output differs from Jinja's.
    "${{ values.title | title }}|${{ values.text | indent(2) }}|${{ values.text | indent(2, true) }}|${{ values.name | capitalize }}",
    "${{ values.nothing | default('d') }}|${{ values.missing | default('d') }}|${{ values.nothing | default('d', true) }}|${{ values.missing | d('x') }}",
    "${{ values.tags | join }}|${{ values.tags | join(', ') }}|${{ values.mixed | join('-') }}|${{ values.tags | length }}|${{ values.meta | length }}|${{ values.missing | length }}|${{ values.name | length }}",
    "${{ values.tags | first }}|${{ values.tags | last }}|${{ values.name | first }}|${{ values.tags | sort | join(',') }}|${{ values.tags | reverse | join(',') }}|${{ values.name | reverse }}",
    "${{ values.description | escape }}|${{ values.description | e }}|${{ values.name | upper }}|${{ values.name | lower }}|${{ '  pad  ' | trim }}|${{ values.port | string }}",
    "${{ values.description | truncate(12) }}|${{ values.description | truncate(12, true) }}|${{ values.description | wordcount }}|${{ 'x' | center(5) }}|${{ values.text | nl2br }}",
    "${{ values.meta | dump }}|${{ values.tags | dump }}|${{ values.missing | dump }}|${{ values.nothing | dump }}|${{ values.description | dump }}|${{ values | dump(2) }}",
    "${{ [3, 1, 2] | sort }}|${{ [1, 2, 3] | sum }}|${{ 3.7 | int }}|${{ '3.5' | float }}|${{ 2.567 | round(1) }}|${{ -3 | abs }}|${{ 'a b' | urlencode }}",
    // Backstage's filters.
    "${{ values.repoUrl | parseRepoUrl | dump }}|${{ (values.repoUrl | parseRepoUrl).owner }}|${{ values.repoUrl | projectSlug }}",
    "${{ values.owner | parseEntityRef | dump }}|${{ (values.owner | parseEntityRef).name }}|${{ 'team-b' | parseEntityRef({defaultKind: 'group', defaultNamespace: 'ops'}) | dump }}",
    "${{ values | pick('meta.a.deep') }}|${{ values.meta | pick('a') | dump }}|${{ values | pick('tags[1]') }}",
    "${{ 'dev.azure.com?organization=o&project=p&repo=r' | parseRepoUrl | dump }}|${{ 'gitlab.com?owner=g&repo=r' | parseRepoUrl | dump }}",
    // Blocks, whitespace control, comments, raw.
    "{% set greeting = 'hi ' + values.name %}${{ greeting }}{% set block %}inner ${{ values.port }}{% endset %}|${{ block }}",
    "a {%- if true %} b {% endif -%} c ${{- ' d ' -}} e{# comment ${{ no }} #}",
    "{% raw %}${{ secrets.TOKEN }} {% if %}{% endraw %}|{% verbatim %}${{ github.sha }}{% endverbatim %}",
    "${{ '${{ secrets.GITHUB_TOKEN }}' }}",
    "{% macro tag(x) %}<${{ x }}>{% endmacro %}${{ tag(values.name) }}",
    "${{ 'yes' if values.enabled else 'no' }}|${{ 'x' if values.disabled }}|${{ values.port if values.port > 1 }}",
    "${{ values.tags[0] }}|${{ values.meta['a'].deep }}|${{ values.meta.a['deep'] }}|${{ values['name'] }}",
    "${{ range(3) | join(',') }}|{% for i in range(1, 4) %}${{ i }}{% endfor %}",
    "{% set row = cycler('odd', 'even') %}{% for t in values.tags %}${{ row.next() }}:${{ t }} {% endfor %}${{ row.current }}|{% set comma = joiner(' / ') %}{% for t in values.tags %}${{ comma() }}${{ t }}{% endfor %}",
    "${{ values.name is defined }}|${{ values.missing is undefined }}|${{ values.nothing is none }}|${{ values.port is number }}|${{ values.name is string }}|${{ 3 is odd }}|${{ values.meta is mapping }}",
];

#[test]
fn strings_render_as_nunjucks_renders_them() {
    let context = context();
    let renderer = Renderer::new(RendererOptions::default());
    let jobs: Vec<Value> = CASES
        .iter()
        .map(|t| json!({"kind": "string", "template": t, "context": context}))
        .collect();
    let expected = reference::run(&jobs);
    let mut failures = Vec::new();
    for (case, want) in CASES.iter().zip(&expected) {
        let want = want
            .get("ok")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("Nunjucks failed on {case:?}: {want}"));
        match renderer.render_str(case, &context) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!(
                "{case}\n  nunjucks: {want:?}\n  greenroom: {got:?}"
            )),
            Err(e) => failures.push(format!(
                "{case}\n  nunjucks: {want:?}\n  greenroom error: {e}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Step-input values rendered as the workflow runner renders them: single expressions keep
/// their type, empty results disappear.
const VALUE_CASES: &[&str] = &[
    r#""${{ values.port }}""#,
    r#""${{ values.enabled }}""#,
    r#""${{ values.tags }}""#,
    r#""${{ values.meta }}""#,
    r#""${{ values.nothing }}""#,
    r#""${{ values.missing }}""#,
    r#""${{ values.repoUrl | parseRepoUrl }}""#,
    r#""port ${{ values.port }}""#,
    r#""${{ values.port }} ""#,
    r#""${{ values.name }}-${{ values.port }}""#,
    r#""{% if values.enabled %}true{% else %}false{% endif %}""#,
    r#""{% if values.enabled %}${{ values.port }}{% endif %}""#,
    r#""{% if values.disabled %}x{% endif %}""#,
    r#""""#,
    r#""plain text""#,
    r#""123""#,
    r#""${{ values.name | replace('-', '_') }}""#,
    r#""${{ values.owner | parseEntityRef }}""#,
    r#"{"nested": {"port": "${{ values.port }}", "gone": "${{ values.missing }}", "kept": 3, "list": ["${{ values.name }}", "${{ values.missing }}", true]}}"#,
    r#"["${{ values.tags | length }}", "${{ values.ratio * 2 }}", "${{ values.whole }}"]"#,
    r#""${{ values.unknownFilterInput | someVendorFilter }}""#,
    r#""${{ values.port === 8080 }}""#,
];

#[test]
fn values_render_as_backstages_runner_renders_them() {
    let context = context();
    let renderer = Renderer::new(RendererOptions::default());
    let values: Vec<Value> = VALUE_CASES
        .iter()
        .map(|v| serde_json::from_str(v).expect("case is JSON"))
        .collect();
    let jobs: Vec<Value> = values
        .iter()
        .map(|v| json!({"kind": "value", "value": v, "context": context}))
        .collect();
    let expected = reference::run(&jobs);
    let mut failures = Vec::new();
    for ((case, value), want) in VALUE_CASES.iter().zip(&values).zip(&expected) {
        let want = if want.get("undefined").is_some() {
            None
        } else {
            Some(
                want.get("ok")
                    .cloned()
                    .unwrap_or_else(|| panic!("Nunjucks failed on {case}: {want}")),
            )
        };
        match renderer.render_value(value, &context) {
            Ok(got) if got == want => {}
            Ok(got) => failures.push(format!(
                "{case}\n  nunjucks: {want:?}\n  greenroom: {got:?}"
            )),
            Err(e) => failures.push(format!(
                "{case}\n  nunjucks: {want:?}\n  greenroom error: {e}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn unsupported_syntax_fails_with_its_line() {
    let renderer = Renderer::new(RendererOptions::default());
    let err = renderer
        .render_str(
            "line one\n{% switch values.x %}{% case 1 %}a{% endswitch %}\n",
            &context(),
        )
        .expect_err("switch is not supported");
    assert_eq!(err.line, Some(2), "{err}");
    assert!(err.syntax);
    assert!(err.to_string().contains("switch"), "{err}");
}

/// `fetch:template`'s other settings: cookiecutterCompat (`{{ }}`, Python-style methods,
/// slices, `jsonify`) and trimBlocks/lstripBlocks.
#[test]
fn compat_and_whitespace_settings_render_as_nunjucks() {
    let cases = [
        (
            json!({"cookiecutterCompat": true}),
            "{{ cookiecutter.component_id | upper }} {% for k, v in cookiecutter.features.items() %}[{{k}}={{v}}]{% endfor %} {{ cookiecutter.features | jsonify }} {% if cookiecutter.features.metrics == True %}yes{% endif %} {{ cookiecutter.tags[1:] }} {{ cookiecutter.features.get('x', 'dflt') }} {{ cookiecutter.features.keys() | join(',') }} {{ None }}|{{ cookiecutter.component_id.replace('w','W') }} ${ shell }",
        ),
        (
            json!({"trimBlocks": true, "lstripBlocks": true}),
            "a\n  {% if cookiecutter.features.metrics %}\n  yes\n  {% endif %}\nb\n{% for i in [1,2] %}\n- ${{ i }}\n{% endfor %}\nend\n",
        ),
        (
            json!({"trimBlocks": true}),
            "{% for t in cookiecutter.tags %}\n  * ${{ t }}\n{% endfor %}\n",
        ),
    ];
    let context = json!({"cookiecutter": {"component_id": "widgets", "features": {"metrics": true, "tracing": false}, "tags": ["a", "b", "c"]}});
    let jobs: Vec<Value> = cases
        .iter()
        .map(|(settings, template)| {
            let mut job = json!({"kind": "string", "template": template, "context": context});
            for (k, v) in settings.as_object().expect("settings") {
                job[k] = v.clone();
            }
            job
        })
        .collect();
    let expected = reference::run(&jobs);
    for ((settings, template), want) in cases.iter().zip(expected) {
        let renderer = Renderer::new(RendererOptions {
            cookiecutter_compat: settings["cookiecutterCompat"] == true,
            trim_blocks: settings["trimBlocks"] == true,
            lstrip_blocks: settings["lstripBlocks"] == true,
            ..RendererOptions::default()
        });
        let want = want["ok"]
            .as_str()
            .unwrap_or_else(|| panic!("Nunjucks failed: {want}"));
        assert_eq!(
            renderer.render_str(template, &context).as_deref(),
            Ok(want),
            "{template}"
        );
    }
}
