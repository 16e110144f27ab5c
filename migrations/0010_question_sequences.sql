-- +goose Up
-- Every change of an event's questions gets the next number of that event, taken under the
-- event's sequence row lock in the transaction that makes the change. The lock lives until
-- COMMIT, so numbers become visible in the order they were taken: a stream that has sent
-- change n has seen every change before it, and Last-Event-ID resumes without a gap. (A global
-- bigserial does not: a number taken earlier may commit later than one taken after it.)
CREATE TABLE question_sequences (
    event_id    bigint PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    last_change bigint NOT NULL DEFAULT 0
);

ALTER TABLE question_changes ADD COLUMN seq bigint;
UPDATE question_changes c SET seq = n.seq
FROM (SELECT id, row_number() OVER (PARTITION BY event_id ORDER BY id) AS seq FROM question_changes) n
WHERE n.id = c.id;
ALTER TABLE question_changes ALTER COLUMN seq SET NOT NULL;
INSERT INTO question_sequences (event_id, last_change)
SELECT event_id, max(seq) FROM question_changes GROUP BY event_id;

DROP INDEX question_changes_event_idx;
ALTER TABLE question_changes DROP CONSTRAINT question_changes_pkey;
ALTER TABLE question_changes DROP COLUMN id;
ALTER TABLE question_changes ADD PRIMARY KEY (event_id, seq);

-- +goose Down
ALTER TABLE question_changes DROP CONSTRAINT question_changes_pkey;
ALTER TABLE question_changes ADD COLUMN id bigserial PRIMARY KEY;
ALTER TABLE question_changes DROP COLUMN seq;
CREATE INDEX question_changes_event_idx ON question_changes (event_id, id);
DROP TABLE question_sequences;
