//! An API's definition and a descriptor from a remote repository, read from its fetched
//! Git tree: relative `$ref`s resolved inside it, nothing read outside it.

use greenroom::{Cancel, Greenroom, RemoteOptions};

use crate::git_repo;

const API: &str = "apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition:
    $text: ./openapi.yaml
";

const OPENAPI: &str = "openapi: 3.0.3
info:
  title: Orders
  version: 1.0.0
paths:
  /orders:
    get:
      responses:
        '200':
          description: The orders
          content:
            application/json:
              schema:
                $ref: './schemas/order.yaml'
  /secrets:
    get:
      responses:
        '200':
          description: Not for you
          content:
            application/json:
              schema:
                $ref: '../../outside.yaml'
";

#[test]
fn a_remote_apis_definition_is_bundled_from_its_fetched_tree() {
    let dir = tempfile::tempdir().expect("tempdir");
    let origin = dir.path().join("orders");
    git_repo(
        &origin,
        &[
            ("catalog-info.yaml", API),
            ("openapi.yaml", OPENAPI),
            (
                "schemas/order.yaml",
                "type: object\nproperties:\n  id:\n    type: string\n",
            ),
        ],
    );
    std::fs::write(dir.path().join("outside.yaml"), "secret: true\n").expect("outside");
    let mut greenroom = Greenroom::open(&dir.path().join("data")).expect("open");
    greenroom
        .add_remote(
            &format!("file://{}", origin.display()),
            &RemoteOptions::default(),
        )
        .expect("add");
    greenroom.sync(None, &|_| {}, &Cancel::new()).expect("sync");
    // Read from the cache, not from the origin.
    std::fs::remove_dir_all(&origin).expect("remove origin");

    let key = "api:default/orders-api";
    let descriptor = greenroom.descriptor_text(key).expect("descriptor");
    assert!(
        descriptor.text.contains("name: orders-api"),
        "{}",
        descriptor.text
    );

    let definition = greenroom.api_definition(key).expect("definition");
    assert_eq!(definition.file.as_deref(), Some("openapi.yaml"));
    let document = definition.document.expect("document");
    let schema = &document["paths"]["/orders"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(schema["properties"]["id"]["type"], "string", "{document}");
    assert_eq!(definition.referenced_files, vec!["schemas/order.yaml"]);
    assert!(
        definition
            .problems
            .iter()
            .any(|p| p.contains("outside.yaml")),
        "{:?}",
        definition.problems
    );
    assert!(
        !document.to_string().contains("\"secret\":true"),
        "{document}"
    );
}
