-- +goose Up
CREATE TABLE panelists (
    id           bigserial PRIMARY KEY,
    event_id     bigint  NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    name         text    NOT NULL,
    role         text    NOT NULL DEFAULT '',
    organization text    NOT NULL DEFAULT '',
    municipality text    NOT NULL DEFAULT '',
    bio          text    NOT NULL DEFAULT '',
    position     integer NOT NULL DEFAULT 0
);
CREATE INDEX panelists_event_idx ON panelists (event_id, position);

CREATE TABLE agenda_items (
    id          bigserial PRIMARY KEY,
    event_id    bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    title       text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('talk', 'panel', 'qa', 'break')),
    description text        NOT NULL DEFAULT '',
    CHECK (ends_at > starts_at)
);
CREATE INDEX agenda_items_event_idx ON agenda_items (event_id, starts_at);

CREATE TABLE agenda_item_panelists (
    agenda_item_id bigint NOT NULL REFERENCES agenda_items (id) ON DELETE CASCADE,
    panelist_id    bigint NOT NULL REFERENCES panelists (id) ON DELETE CASCADE,
    PRIMARY KEY (agenda_item_id, panelist_id)
);

-- +goose Down
DROP TABLE agenda_item_panelists;
DROP TABLE agenda_items;
DROP TABLE panelists;
