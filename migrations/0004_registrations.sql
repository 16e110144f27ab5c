-- +goose Up
-- Seats taken by confirmed registrations, kept in the same transaction as every status change,
-- so that a full event is detected by one row update instead of a count under a lock.
ALTER TABLE events ADD COLUMN confirmed_count integer NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0);

CREATE TABLE registrations (
    id            bigserial PRIMARY KEY,
    event_id      bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    status        text        NOT NULL CHECK (status IN ('pending', 'confirmed', 'waitlisted', 'cancelled')),
    name          text        NOT NULL,
    email         text        NOT NULL,
    organization  text        NOT NULL DEFAULT '',
    municipality  text        NOT NULL DEFAULT '',
    role          text        NOT NULL DEFAULT '',
    answers       jsonb       NOT NULL DEFAULT '{}',
    language      text        NOT NULL DEFAULT 'de' CHECK (language IN ('de', 'en')),
    consent_at    timestamptz NOT NULL,
    -- SHA-256 of the secret manage token; the token itself is only ever mailed
    token_hash    bytea       NOT NULL UNIQUE,
    attended      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    confirmed_at  timestamptz,
    cancelled_at  timestamptz,
    erased_at     timestamptz
);
CREATE UNIQUE INDEX registrations_email_key ON registrations (event_id, lower(email)) WHERE status <> 'cancelled';
CREATE INDEX registrations_event_status_idx ON registrations (event_id, status, created_at, id);

-- +goose Down
DROP TABLE registrations;
ALTER TABLE events DROP COLUMN confirmed_count;
