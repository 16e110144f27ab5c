-- +goose Up
-- The manage token is derived from PODIUM_SECRET and this salt, so that every later mail
-- (confirmation, reminders, updates) can carry the link although only the token's hash is stored.
ALTER TABLE registrations ADD COLUMN token_salt bytea NOT NULL DEFAULT '\x';

-- Every outgoing message, written in the transaction of the change that causes it. dedupe_key
-- names the logical message (registration and kind), so it can be queued once only.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    dedupe_key      text        NOT NULL UNIQUE,
    kind            text        NOT NULL,
    registration_id bigint      REFERENCES registrations (id) ON DELETE CASCADE,
    status          text        NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    due_at          timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (due_at, id) WHERE status = 'queued';
CREATE INDEX outbox_registration_idx ON outbox (registration_id);

-- +goose Down
DROP TABLE outbox;
ALTER TABLE registrations DROP COLUMN token_salt;
