-- +goose Up
-- What the organizers tell the attendees when they cancel an event; it goes into the
-- cancellation mail and onto the event page.
ALTER TABLE events ADD COLUMN cancel_message text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE events DROP COLUMN cancel_message;
