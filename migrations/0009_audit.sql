-- +goose Up
-- Who did what to which event, and when. The address is kept beside the user id, so an entry
-- still names its author after the account is gone.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    user_id    bigint      REFERENCES users (id) ON DELETE SET NULL,
    user_email text        NOT NULL,
    event_id   bigint      REFERENCES events (id) ON DELETE SET NULL,
    action     text        NOT NULL,
    detail     text        NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_event_idx ON audit_log (event_id, id DESC);

-- +goose Down
DROP TABLE audit_log;
