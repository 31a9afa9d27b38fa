-- Every definition is either shown (entities_one_active) or not (entities_inactive): an
-- index over all of them only cost every write its upkeep (and a bulk import its rebuild).
-- Lookups by ref say which of the two they want.
DROP INDEX entities_ref;

-- Only shown definitions have relations; saying so lets a lookup by source_ref use the
-- index of shown definitions.
DROP VIEW relation_edges;
CREATE VIEW relation_edges AS
    SELECT e.ref AS source_ref, r.type AS type, r.target_ref AS target_ref
      FROM relations r JOIN entities e ON e.id = r.entity_id
     WHERE e.active = 1;
