-- +goose Up
-- Reminders are queued for everyone when their moment comes near, not for each person when they
-- register: a registration rush then writes one message per person instead of one per reminder
-- besides, and a moved event has nothing to rewrite. This is how far an event's reminders are
-- queued: every reminder due up to here is in the outbox for everyone confirmed before its
-- moment. A new event has queued nothing; a published or moved one starts from that moment.
-- Existing events start from now: their reminders were queued at registration, and the
-- outbox's dedupe key keeps any from being queued twice.
ALTER TABLE events ADD COLUMN reminders_queued_until timestamptz NOT NULL DEFAULT now();
ALTER TABLE events ALTER COLUMN reminders_queued_until SET DEFAULT '-infinity';

-- +goose Down
ALTER TABLE events DROP COLUMN reminders_queued_until;
