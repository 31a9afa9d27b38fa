//! Turning what a person typed (`payments`, `api:payments`, `Component:ops/x`) into the
//! canonical ref of one entity.

use greenroom_catalog::rules::edit_distance;
use greenroom_catalog::{DEFAULT_NAMESPACE, EntityRef};

use crate::{Error, Greenroom};

impl Greenroom {
    /// The canonical ref of the entity `text` names: a full or partial reference, or a
    /// bare name when exactly one entity has it.
    pub fn resolve_ref(&self, text: &str) -> Result<String, Error> {
        let text = text.trim();
        if let Ok(reference) = EntityRef::parse(text, None, DEFAULT_NAMESPACE) {
            let key = reference.key();
            if self.catalog.entity(&key)?.is_some() {
                return Ok(key);
            }
            return Err(self.not_found(text, &reference.name));
        }
        let name = text.rsplit('/').next().unwrap_or(text);
        let namespace = text.split_once('/').map(|(ns, _)| ns.to_lowercase());
        let candidates: Vec<String> = self
            .catalog
            .refs_named(name)?
            .into_iter()
            .filter(|key| {
                namespace.as_ref().is_none_or(|ns| {
                    key.split_once(':')
                        .is_some_and(|(_, rest)| rest.starts_with(&format!("{ns}/")))
                })
            })
            .collect();
        match candidates.len() {
            0 => Err(self.not_found(text, name)),
            1 => Ok(candidates.into_iter().next().unwrap_or_default()),
            _ => Err(Error::Ambiguous {
                text: text.to_owned(),
                candidates,
            }),
        }
    }

    fn not_found(&self, text: &str, name: &str) -> Error {
        let mut similar: Vec<String> = self
            .catalog
            .search(name, 3)
            .unwrap_or_default()
            .into_iter()
            .map(|h| h.key)
            .collect();
        if similar.is_empty() && name.chars().count() >= 3 {
            // A typo: names sharing the first letters, closest first.
            let start: String = name.chars().take(3).collect();
            let mut close: Vec<(usize, String)> = self
                .catalog
                .search(&start, 50)
                .unwrap_or_default()
                .into_iter()
                .map(|h| {
                    (
                        edit_distance(&h.name.to_lowercase(), &name.to_lowercase()),
                        h.key,
                    )
                })
                .filter(|(distance, _)| *distance <= 3)
                .collect();
            close.sort();
            similar = close.into_iter().take(3).map(|(_, key)| key).collect();
        }
        let hint = if similar.is_empty() {
            "; `greenroom search` finds entities by any word".to_owned()
        } else {
            format!("; did you mean {}?", similar.join(", "))
        };
        Error::NotFound {
            text: text.to_owned(),
            hint,
        }
    }
}
