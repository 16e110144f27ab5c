-- +goose Up
-- Live audience questions. participant is the signed id from the podium_participant cookie:
-- it lets a person see their own pending questions and vote once.
CREATE TABLE questions (
    id          bigserial PRIMARY KEY,
    event_id    bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    text        text        NOT NULL,
    author_name text        NOT NULL DEFAULT '',
    participant text        NOT NULL,
    status      text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    answered    boolean     NOT NULL DEFAULT false,
    highlighted boolean     NOT NULL DEFAULT false,
    votes       integer     NOT NULL DEFAULT 0 CHECK (votes >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX questions_event_idx ON questions (event_id, status, votes DESC, id);
-- At most one highlighted question per event, whatever the application does.
CREATE UNIQUE INDEX questions_one_highlight_key ON questions (event_id) WHERE highlighted;

CREATE TABLE question_votes (
    question_id bigint      NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    participant text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (question_id, participant)
);

-- Every change of a question, numbered: the number is the SSE event id, so a client that
-- reconnects with Last-Event-ID gets what it missed, and NOTIFY carries only the number.
CREATE TABLE question_changes (
    id          bigserial PRIMARY KEY,
    event_id    bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    question_id bigint      NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    kind        text        NOT NULL CHECK (kind IN ('created', 'updated')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX question_changes_event_idx ON question_changes (event_id, id);

-- +goose Down
DROP TABLE question_changes;
DROP TABLE question_votes;
DROP TABLE questions;
