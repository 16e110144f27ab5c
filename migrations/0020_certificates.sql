-- +goose Up
-- An attendance certificate: issued once per attended registration, after the event, under a
-- verification code that /verify/{code} confirms. The certificate's words are made from the
-- registration and its event whenever it is downloaded; erasing the registration deletes the
-- row, so the code then confirms nothing.
CREATE TABLE certificates (
    registration_id bigint      PRIMARY KEY REFERENCES registrations (id) ON DELETE CASCADE,
    code            text        NOT NULL UNIQUE,
    issued_at       timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE certificates;
