-- +goose Up
-- Every use of a personal join link (/r/{token}/join) that led into the meeting, for the
-- organizers' attendance list. Only the moment is kept: no address, no browser, nothing more
-- than an attendance list on paper would hold.
CREATE TABLE registration_joins (
    id              bigserial   PRIMARY KEY,
    registration_id bigint      NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    joined_at       timestamptz NOT NULL
);
-- The dashboard and the exports read the first join and the number of joins per registration.
CREATE INDEX registration_joins_registration_idx ON registration_joins (registration_id, joined_at);

-- +goose Down
DROP TABLE registration_joins;
