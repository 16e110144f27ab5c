-- +goose Up
CREATE TABLE events (
    id                     bigserial PRIMARY KEY,
    slug                   text        NOT NULL UNIQUE,
    title                  text        NOT NULL,
    subtitle               text        NOT NULL DEFAULT '',
    description            text        NOT NULL DEFAULT '',
    starts_at              timestamptz NOT NULL,
    ends_at                timestamptz NOT NULL,
    timezone               text        NOT NULL,
    location               text        NOT NULL DEFAULT '',
    online_url             text        NOT NULL DEFAULT '',
    hosts                  text[]      NOT NULL DEFAULT '{}',
    organizer_name         text        NOT NULL,
    organizer_email        text        NOT NULL,
    capacity               integer CHECK (capacity > 0),
    registration_opens_at  timestamptz,
    registration_closes_at timestamptz NOT NULL,
    status                 text        NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'cancelled')),
    language               text        NOT NULL DEFAULT 'de' CHECK (language IN ('de', 'en')),
    double_opt_in          boolean     NOT NULL DEFAULT true,
    waitlist               boolean     NOT NULL DEFAULT true,
    moderation             boolean     NOT NULL DEFAULT true,
    -- seconds before starts_at; integers keep the arithmetic in SQL simple
    reminder_offsets       integer[]   NOT NULL DEFAULT '{86400,3600}',
    revision               integer     NOT NULL DEFAULT 0,
    created_by             bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    cancelled_at           timestamptz,
    CHECK (ends_at > starts_at)
);
CREATE INDEX events_listing_idx ON events (status, starts_at);

CREATE TABLE event_questions (
    event_id bigint  NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    position integer NOT NULL,
    key      text    NOT NULL,
    label    text    NOT NULL,
    kind     text    NOT NULL CHECK (kind IN ('text', 'textarea', 'select', 'checkbox')),
    options  text[]  NOT NULL DEFAULT '{}',
    required boolean NOT NULL DEFAULT false,
    PRIMARY KEY (event_id, key),
    UNIQUE (event_id, position)
);

CREATE TABLE event_members (
    event_id   bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text        NOT NULL CHECK (role IN ('organizer', 'moderator')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_members_user_id_idx ON event_members (user_id);

-- +goose Down
DROP TABLE event_members;
DROP TABLE event_questions;
DROP TABLE events;
