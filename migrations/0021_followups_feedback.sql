-- +goose Up
-- The mail after an event, sent once to everyone who attended, with what the organizer chose
-- to include: the link to the attendance certificate, the results of the live polls, and a
-- short survey.
CREATE TABLE event_followups (
    event_id     bigint      PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    certificates boolean     NOT NULL,
    poll_results boolean     NOT NULL,
    feedback     boolean     NOT NULL,
    -- the organizer's own survey questions, beside the two every survey asks:
    -- [{"label": "...", "kind": "rating" | "text"}]
    questions    jsonb       NOT NULL DEFAULT '[]',
    recipients   integer     NOT NULL,
    sent_at      timestamptz NOT NULL DEFAULT now()
);

-- The survey's answers carry no link to a person: feedback_given says who answered (so that
-- each registration answers once), feedback what was answered, with neither time nor order
-- that would tie the two together again.
CREATE TABLE feedback_given (
    registration_id bigint PRIMARY KEY REFERENCES registrations (id) ON DELETE CASCADE,
    event_id        bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE
);
CREATE TABLE feedback (
    id       uuid     PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id bigint   NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    rating   smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    takeaway text     NOT NULL DEFAULT '' CHECK (length(takeaway) <= 2000),
    -- answers to the organizer's questions by their position ("1", "2", …): a number or a text
    answers  jsonb    NOT NULL DEFAULT '{}'
);
CREATE INDEX feedback_event_idx ON feedback (event_id);

-- +goose Down
DROP TABLE feedback;
DROP TABLE feedback_given;
DROP TABLE event_followups;
