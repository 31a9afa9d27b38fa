-- Full-text search gathers new rows in memory and writes them as a segment when this much has
-- gathered; segments are then merged. The default (1 MiB) flushed and merged dozens of times
-- while importing a 50,000-entity snapshot; 16 MiB keeps it to a few.
INSERT INTO entity_search (entity_search, rank) VALUES ('hashsize', 16777216);
