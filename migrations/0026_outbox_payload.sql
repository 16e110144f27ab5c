-- +goose Up
-- What a message has to say that the current state no longer tells: the event as its attendee
-- last heard of it, for the update after a move ("bisher … / neu …"). The worker renders
-- everything else as it is when the message goes out.
ALTER TABLE outbox ADD COLUMN payload jsonb;

-- +goose Down
ALTER TABLE outbox DROP COLUMN payload;
