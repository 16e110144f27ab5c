-- +goose Up
-- Every change of an event counts up its version, which the API hands out as the ETag: a change
-- sent with If-Match from a copy read before another organizer's change is refused (412)
-- instead of silently undoing that change. The revision stays what calendars read as SEQUENCE.
ALTER TABLE events ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE events DROP COLUMN version;
