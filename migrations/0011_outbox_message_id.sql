-- +goose Up
-- Each outbox message gets its Message-ID when it is queued, for ever. A worker that dies after
-- the mail server took a message but before it was marked sent leaves it queued, and it is sent
-- again: with the same Message-ID, so that mail clients show it once.
ALTER TABLE outbox ADD COLUMN message_id uuid NOT NULL DEFAULT gen_random_uuid();

-- +goose Down
ALTER TABLE outbox DROP COLUMN message_id;
