-- +goose Up
-- Live polls of an event. A poll is prepared (draft), opened and closed by moderators; its
-- results may be shown to the audience and it may be put on the presenter screen.
CREATE TABLE polls (
    id              bigserial PRIMARY KEY,
    event_id        bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind            text        NOT NULL CHECK (kind IN ('single', 'multiple', 'rating', 'text')),
    question        text        NOT NULL,
    explanation     text        NOT NULL DEFAULT '',
    options         text[]      NOT NULL DEFAULT '{}',
    scale           smallint    NOT NULL DEFAULT 0,
    state           text        NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'open', 'closed')),
    results_visible boolean     NOT NULL DEFAULT false,
    on_presenter    boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (CASE kind
        WHEN 'rating' THEN scale IN (5, 10) AND cardinality(options) = 0
        WHEN 'text' THEN scale = 0 AND cardinality(options) = 0
        ELSE scale = 0 AND cardinality(options) BETWEEN 2 AND 10 END)
);
CREATE INDEX polls_event_idx ON polls (event_id, id);
-- At most one poll per event on the presenter screen, whatever the application does.
CREATE UNIQUE INDEX polls_one_presenter_key ON polls (event_id) WHERE on_presenter;

-- One answer per participant and poll. voter is an HMAC of the participant id and the poll id
-- under the server's secret: enough to keep the answer unique and changeable, but the
-- database alone cannot link it to the participant's questions and votes (which store the
-- participant id), to another poll's answer, or to a registration. No time and no address is
-- stored with an answer.
CREATE TABLE poll_answers (
    poll_id  bigint     NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter    bytea      NOT NULL,
    choices  smallint[] NOT NULL DEFAULT '{}',
    text     text       NOT NULL DEFAULT '',
    text_key text       NOT NULL DEFAULT '',
    PRIMARY KEY (poll_id, voter)
);

-- Poll changes are numbered with the event's question changes: one sequence per event, one
-- stream, and Last-Event-ID resumes both exactly.
ALTER TABLE question_changes ALTER COLUMN question_id DROP NOT NULL;
ALTER TABLE question_changes ADD COLUMN poll_id bigint REFERENCES polls (id) ON DELETE CASCADE;
ALTER TABLE question_changes ADD CONSTRAINT question_changes_subject_check
    CHECK (num_nonnulls(question_id, poll_id) = 1);
ALTER TABLE question_changes DROP CONSTRAINT question_changes_kind_check;
ALTER TABLE question_changes ADD CONSTRAINT question_changes_kind_check
    CHECK (kind IN ('created', 'updated', 'answered'));

-- +goose Down
DELETE FROM question_changes WHERE poll_id IS NOT NULL;
ALTER TABLE question_changes DROP CONSTRAINT question_changes_kind_check;
ALTER TABLE question_changes ADD CONSTRAINT question_changes_kind_check
    CHECK (kind IN ('created', 'updated'));
ALTER TABLE question_changes DROP CONSTRAINT question_changes_subject_check;
ALTER TABLE question_changes DROP COLUMN poll_id;
ALTER TABLE question_changes ALTER COLUMN question_id SET NOT NULL;
DROP TABLE poll_answers;
DROP TABLE polls;
