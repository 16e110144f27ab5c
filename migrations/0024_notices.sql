-- +goose Up
-- A notice is a message an event's organizers write to one group of its attendees (everyone
-- with a seat, everyone waiting, everyone who attended). Each recipient's mail is an outbox row
-- that names the notice; the worker frames the organizer's words in the recipient's language.
-- The limits of subject and text are the application's (notice.MaxSubject, notice.MaxText),
-- repeated here so that nothing else can store more.
CREATE TABLE notices (
    id              bigserial   PRIMARY KEY,
    event_id        bigint      NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    recipient_group text        NOT NULL CHECK (recipient_group IN ('confirmed', 'waitlisted', 'attended')),
    subject         text        NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 150),
    body            text        NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
    recipients      integer     NOT NULL,
    sent_at         timestamptz NOT NULL DEFAULT now()
);
-- The dashboard lists an event's notices newest first; the daily limit counts the recent ones.
CREATE INDEX notices_event_idx ON notices (event_id, sent_at DESC);

ALTER TABLE outbox ADD COLUMN notice_id bigint REFERENCES notices (id) ON DELETE CASCADE;
CREATE INDEX outbox_notice_idx ON outbox (notice_id) WHERE notice_id IS NOT NULL;

-- +goose Down
DROP INDEX outbox_notice_idx;
ALTER TABLE outbox DROP COLUMN notice_id;
DROP TABLE notices;
