-- +goose Up
-- Exports read an event's registrations in id order, a thousand at a time, by key; this index
-- lets each batch start where the last ended instead of sorting the event's rows again.
CREATE INDEX registrations_event_id_idx ON registrations (event_id, id);

-- +goose Down
DROP INDEX registrations_event_id_idx;
