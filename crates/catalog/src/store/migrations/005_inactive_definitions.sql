-- Definitions that are not shown: the losers of conflicts, normally few. Saying what a
-- write's conflicts are then reads these rows instead of every entity of a source.
CREATE INDEX entities_inactive ON entities(ref) WHERE active = 0;
