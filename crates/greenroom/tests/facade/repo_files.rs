//! An entity's files on disk: its descriptor document as written, and an API definition
//! with its relative `$ref`s resolved inside the repository and nowhere else.

use greenroom::Greenroom;
use greenroom::repo_files::DefinitionLanguage;
use serde_json::json;

use crate::git_repo;

const DESCRIPTOR: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: orders
spec:
  type: service
  lifecycle: production
  owner: team-a
---
# The HTTP API.
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./api/openapi.yaml
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders-graph
spec:
  type: graphql
  lifecycle: production
  owner: team-a
  definition: |
    type Query { order(id: ID!): String }
";

const OPENAPI: &str = "\
openapi: 3.0.3
info: { title: Orders, version: 1.0.0 }
paths:
  /orders:
    get:
      responses:
        '200':
          description: Orders
          content:
            application/json:
              schema:
                $ref: ./schemas/order.yaml#/Order
  /secrets:
    get:
      responses:
        '200':
          description: Nothing to see
          content:
            application/json:
              schema:
                $ref: ../../outside.yaml
  /linked:
    get:
      responses:
        '200':
          description: Through a symlink
          content:
            application/json:
              schema:
                $ref: ./schemas/escape.yaml
components:
  schemas:
    Local:
      $ref: '#/components/schemas/Other'
    Other:
      type: string
";

const ORDER: &str = "\
Order:
  type: object
  properties:
    id: { type: string }
    lines:
      type: array
      items:
        $ref: '#/Line'
    self:
      $ref: '#/Order'
Line:
  type: object
  properties:
    sku: { type: string }
";

fn catalog() -> (tempfile::TempDir, Greenroom) {
    let dir = tempfile::tempdir().expect("temp");
    let repos = dir.path().join("repos");
    git_repo(
        &repos.join("orders"),
        &[
            ("catalog-info.yaml", DESCRIPTOR),
            ("api/openapi.yaml", OPENAPI),
            ("api/schemas/order.yaml", ORDER),
        ],
    );
    std::fs::write(dir.path().join("outside.yaml"), "secret: true\n").expect("outside");
    std::fs::write(repos.join("outside.yaml"), "secret: true\n").expect("outside");
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        dir.path().join("outside.yaml"),
        repos.join("orders/api/schemas/escape.yaml"),
    )
    .expect("a symlink");
    let mut greenroom = Greenroom::open(&dir.path().join("data")).expect("open");
    greenroom.add_folder(&repos, &[]).expect("add");
    greenroom.index(None, &|_| {}).expect("index");
    (dir, greenroom)
}

#[test]
fn the_descriptor_document_is_shown_as_written() {
    let (_dir, greenroom) = catalog();
    let text = greenroom
        .descriptor_text("api:default/orders-api")
        .expect("the text");
    assert_eq!(text.file, "catalog-info.yaml");
    assert!(text.text.contains("name: orders-api"), "{}", text.text);
    assert!(!text.text.contains("name: orders\n"), "{}", text.text);
    assert!(!text.text.contains("orders-graph"), "{}", text.text);
    let first = DESCRIPTOR
        .lines()
        .position(|l| l.starts_with("# The HTTP API"))
        .expect("the line") as u32;
    assert!(
        (first..=first + 1).contains(&text.first_line),
        "{}",
        text.first_line
    );

    let files = greenroom
        .entity_files("component:default/orders")
        .expect("files");
    assert!(files.file.ends_with("orders/catalog-info.yaml"));
    assert!(files.repo.ends_with("orders"));
}

#[test]
fn relative_refs_are_resolved_inside_the_repository_only() {
    let (_dir, greenroom) = catalog();
    let definition = greenroom
        .api_definition("api:default/orders-api")
        .expect("the definition");
    assert_eq!(definition.api_type, "openapi");
    assert_eq!(definition.language, DefinitionLanguage::Yaml);
    assert_eq!(definition.file.as_deref(), Some("api/openapi.yaml"));
    assert_eq!(definition.referenced_files, ["api/schemas/order.yaml"]);
    let document = definition.document.expect("a document");
    let schema = &document["paths"]["/orders"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(schema["type"], json!("object"));
    // A local ref inside the referenced file points into that file.
    assert_eq!(
        schema["properties"]["lines"]["items"]["properties"]["sku"],
        json!({"type": "string"})
    );
    // A cycle stays a reference instead of recursing for ever.
    assert_eq!(schema["properties"]["self"]["$ref"], json!("#/Order"));
    // Local refs of the definition itself are left to the renderer.
    assert_eq!(
        document["components"]["schemas"]["Local"]["$ref"],
        json!("#/components/schemas/Other")
    );
    // `..` out of the repository and a symlink out of it are refused, and said so.
    let outside = &document["paths"]["/secrets"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(outside["$ref"], json!("../../outside.yaml"));
    let linked = &document["paths"]["/linked"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(linked["$ref"], json!("./schemas/escape.yaml"));
    let problems = definition.problems.join("\n");
    assert!(problems.contains("../../outside.yaml"), "{problems}");
    assert!(
        problems.contains("leads outside the repository"),
        "{problems}"
    );
    assert!(problems.contains("escape.yaml"), "{problems}");
    assert!(
        !serde_json::to_string(&document)
            .expect("json")
            .contains("\"secret\":true")
    );
}

#[test]
fn graphql_definitions_are_kept_as_text() {
    let (_dir, greenroom) = catalog();
    let definition = greenroom
        .api_definition("api:default/orders-graph")
        .expect("the definition");
    assert_eq!(definition.language, DefinitionLanguage::Graphql);
    assert!(definition.text.contains("type Query"));
    assert!(definition.document.is_none());
    let missing = greenroom.api_definition("component:default/orders");
    assert!(missing.is_err());
    let unknown = greenroom.descriptor_text("component:default/nope");
    assert_eq!(
        unknown.err().map(|e| e.code()),
        Some(greenroom::ErrorCode::NotFound)
    );
}
