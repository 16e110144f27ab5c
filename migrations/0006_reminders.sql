-- +goose Up
-- A queued message that no longer applies when it is due (a reminder for an event that has
-- started or was cancelled, an update for someone who cancelled) is dropped, not sent.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('queued', 'sent', 'failed', 'dropped'));

-- Personal data is erased some time after an event ended, while the rows stay for the counts;
-- erased rows have no address left to be unique.
DROP INDEX registrations_email_key;
CREATE UNIQUE INDEX registrations_email_key ON registrations (event_id, lower(email))
    WHERE status <> 'cancelled' AND erased_at IS NULL;
CREATE INDEX registrations_not_erased_idx ON registrations (event_id) WHERE erased_at IS NULL;

-- +goose Down
DROP INDEX registrations_not_erased_idx;
DROP INDEX registrations_email_key;
CREATE UNIQUE INDEX registrations_email_key ON registrations (event_id, lower(email)) WHERE status <> 'cancelled';
DELETE FROM outbox WHERE status = 'dropped';
ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check CHECK (status IN ('queued', 'sent', 'failed'));
